//! `bangfu demo`: seeds an empty database with one small college, so that a newcomer's
//! first queries (assessments, alerts, rankings) have something to show.
//!
//! Everything goes through the GraphQL API as a bootstrap administrator, exactly as a
//! front end would record it, with dates counted back from today: the alerts are live.
//!
//! | who | number | what |
//! |---|---|---|
//! | 王书记 | `D2001` | branch secretary of 学生第一党支部 |
//! | 李老师 | `D2002` | counsellor (辅导员) of the college |
//! | 赵委员 | `D2003` | college committee |
//! | four mentors | `D3001`–`D3004` | full members, one pairing each (two for `D3001`) |
//! | five mentees | `D4001`–`D4005` | activists and applicants of 计科2301班 |
//!
//! One pairing has gone quiet (its last contact five weeks ago): it is overdue.
//!
//! `bangfu demo --size college` seeds a college at full size instead ([`college`]).

pub mod college;
pub mod workload;

use crate::app::App;
use crate::config::Config;
use crate::graphql::{BangfuSchema, build_schema};
use crate::signin::Actor;
use crate::store::EventStore;
use anyhow::{Context as _, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::time::{local_date, shanghai, start_of_day};
use serde_json::{Value, json};

/// What the demo recorded, for the message that follows it.
#[derive(Debug)]
pub struct Seeded {
    pub college_id: String,
    pub events: i64,
}

/// Seeds the database of `config`, which must hold no events yet.
pub async fn seed(config: &Config) -> anyhow::Result<Seeded> {
    let store = EventStore::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url_redacted()))?;
    store.migrate().await.context("cannot migrate the database")?;
    let app = App::start(store).await?;
    if app.state().position() > 0 {
        bail!("the database already holds events: the demo only seeds an empty one (try another --database-url)");
    }
    let demo = Demo {
        schema: build_schema(Some(app.clone()), None, Default::default()),
        now: Utc::now(),
    };
    let college_id = demo.record().await?;
    let events = app.state().position();
    Ok(Seeded { college_id, events })
}

struct Demo {
    schema: BangfuSchema,
    now: DateTime<Utc>,
}

impl Demo {
    /// Runs one operation as the bootstrap administrator; its data, or the first error.
    async fn run(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables))
            .data(Actor {
                subject: "demo".into(),
                admin: true,
            });
        let response = self.schema.execute(request).await;
        if let Some(error) = response.errors.first() {
            bail!("the demo's {query:?} was refused: {}", error.message);
        }
        Ok(response.data.into_json()?)
    }

    /// The id the operation returned at `field`.
    async fn id(&self, query: &str, variables: Value, field: &str) -> anyhow::Result<String> {
        let data = self.run(query, variables).await?;
        data[field]["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{field} returned no id"))
    }

    fn days_ago(&self, days: i64) -> NaiveDate {
        local_date(self.now) - Duration::days(days)
    }

    /// 10:00 in Shanghai, `days` ago.
    fn morning(&self, days: i64) -> String {
        (start_of_day(self.days_ago(days)) + Duration::hours(10))
            .with_timezone(&shanghai())
            .to_rfc3339()
    }

    async fn unit(&self, kind: &str, name: &str, parent: Option<&str>) -> anyhow::Result<String> {
        const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
        let input = json!({"i": {"kind": kind, "name": name, "parentId": parent}});
        self.id(UNIT, input, "createOrgUnit").await
    }

    async fn person(&self, number: &str, name: &str, units: &[&str], stage: &str) -> anyhow::Result<String> {
        const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
        let since = self.days_ago(400).to_string();
        let input =
            json!({"i": {"number": number, "name": name, "orgUnitIds": units, "stage": stage, "stageSince": since}});
        self.id(PERSON, input, "registerPerson").await
    }

    async fn role(&self, person: &str, role: &str, scope: &str) -> anyhow::Result<()> {
        const ROLE: &str =
            "mutation($p: ID!, $r: Role!, $s: ID!){ assignRole(personId:$p, role:$r, scopeId:$s){ id } }";
        self.run(ROLE, json!({"p": person, "r": role, "s": scope}))
            .await
            .map(drop)
    }

    /// Records the college; returns its id.
    async fn record(&self) -> anyhow::Result<String> {
        let school = self.unit("SCHOOL", "示范大学", None).await?;
        let college = self.unit("COLLEGE", "计算机学院", Some(&school)).await?;
        let branch_1 = self.unit("BRANCH", "学生第一党支部", Some(&college)).await?;
        let branch_2 = self.unit("BRANCH", "学生第二党支部", Some(&college)).await?;
        let class = self.unit("CLASS", "计科2301班", Some(&college)).await?;

        let secretary = self.person("D2001", "王书记", &[&branch_1], "FULL").await?;
        self.role(&secretary, "BRANCH_SECRETARY", &branch_1).await?;
        let counsellor = self.person("D2002", "李老师", &[&college], "NON_PARTY").await?;
        self.role(&counsellor, "COUNSELLOR", &college).await?;
        let committee = self.person("D2003", "赵委员", &[&college], "FULL").await?;
        self.role(&committee, "COLLEGE_COMMITTEE", &college).await?;

        let mut mentors = vec![];
        for (number, name, branch) in [
            ("D3001", "陈一", &branch_1),
            ("D3002", "刘二", &branch_1),
            ("D3003", "张三", &branch_2),
            ("D3004", "孙四", &branch_2),
        ] {
            mentors.push(self.person(number, name, &[branch, &class], "FULL").await?);
        }
        let mut mentees = vec![];
        for (number, name, stage) in [
            ("D4001", "周五", "ACTIVIST"),
            ("D4002", "吴六", "ACTIVIST"),
            ("D4003", "郑七", "APPLICANT"),
            ("D4004", "冯八", "ACTIVIST"),
            ("D4005", "何九", "APPLICANT"),
        ] {
            mentees.push(self.person(number, name, &[&class], stage).await?);
        }

        // (mentor, mentee, cadence, days between contacts, days since the last one).
        let fortnightly = json!({"atLeast": 1, "everyDays": 14});
        let monthly = json!({"atLeast": 1, "calendar": "MONTH"});
        let plan = [
            (0, 0, &fortnightly, 10, 2),
            (0, 1, &monthly, 20, 6),
            (1, 2, &fortnightly, 12, 5),
            (2, 3, &fortnightly, 11, 35), // gone quiet: overdue
            (3, 4, &monthly, 25, 9),
        ];
        const PAIR: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";
        const CONTACT: &str = "mutation($i: RecordContactInput!){ recordContact(input:$i){ id } }";
        const MONTHLY: &str = "mutation($p: ID!, $m: String!){ submitMonthlyRecord(pairingId:$p, month:$m){ id } }";
        let started = 100;
        for (mentor, mentee, cadence, every, last) in plan {
            let input = json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentors[mentor]], "menteeId": mentees[mentee],
                "startsOn": self.days_ago(started).to_string(), "cadence": cadence,
                "situation": "学习方法需要改进，思想上积极要求进步"}});
            let pairing = self.id(PAIR, input, "formPairing").await?;
            let mut day = started - 3;
            while day >= last {
                let contact = json!({"i": {"pairingId": pairing, "occurredAt": self.morning(day), "form": "FACE_TO_FACE",
                    "place": "图书馆", "content": "交流学习计划与思想动态", "problemsSolved": 1, "durationMinutes": 40}});
                self.run(CONTACT, contact).await?;
                day -= every;
            }
            // Every whole month of the pairing so far has its record but the last.
            let first_month = domain::Month::of(self.days_ago(started)).next();
            let this_month = domain::Month::of(self.days_ago(0));
            let mut month = first_month;
            while month.next() < this_month {
                self.run(MONTHLY, json!({"p": pairing, "m": month.to_string()})).await?;
                month = month.next();
            }
        }

        let report = "mutation($p: ID!, $d: Date!){ submitThoughtReport(input:{personId:$p, submittedOn:$d, title:\"思想汇报\", wordCount:1500}){ id } }";
        for mentee in [&mentees[0], &mentees[1], &mentees[3]] {
            for days in [75, 45, 15] {
                self.run(report, json!({"p": mentee, "d": self.days_ago(days).to_string()}))
                    .await?;
            }
        }
        let service = "mutation($p: ID!, $d: Date!){ logVolunteerService(input:{personId:$p, servedOn:$d, hours:4, activity:\"社区志愿服务\"}){ id } }";
        for (mentee, days) in [(&mentees[0], 60), (&mentees[0], 30), (&mentees[2], 20)] {
            self.run(service, json!({"p": mentee, "d": self.days_ago(days).to_string()}))
                .await?;
        }
        let award = "mutation($p: ID!, $d: Date!){ recordAward(input:{recipientId:$p, name:\"数学建模竞赛\", level:PROVINCIAL, awardedOn:$d}){ id } }";
        self.run(award, json!({"p": mentees[0], "d": self.days_ago(40).to_string()}))
            .await?;
        let conduct =
            "mutation($p: ID!, $d: Date!){ recordConduct(input:{personId:$p, kind:LATE, occurredOn:$d}){ id } }";
        self.run(conduct, json!({"p": mentees[3], "d": self.days_ago(50).to_string()}))
            .await?;
        let screening = "mutation($p: ID!){ recordScreening(input:{personId:$p, categories:[ECONOMIC_HARDSHIP], note:\"家庭经济困难，已申请助学金\"}){ id } }";
        self.run(screening, json!({"p": mentees[1]})).await?;
        let period = domain::Period::year_of(self.days_ago(0)).to_string();
        let nominate = "mutation($p: ID!, $y: String!){ nominate(input:{kind:MOST_IMPROVED, personId:$p, period:$y, reason:\"学习成绩进步明显\"}){ approved } }";
        self.run(nominate, json!({"p": mentees[0], "y": period})).await?;
        Ok(college)
    }
}

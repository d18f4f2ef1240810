//! The presets as they were built in Rust before they became data, kept for one commit so
//! that a test can show the JSON files say exactly what these built.

use super::super::*;
use ConductKind as C;
use MemberActivityKind as A;

/// Every preset, in a stable order.
pub fn presets() -> Vec<Rubric> {
    vec![key_target_100(), member_100(), leader_100(), party_star()]
}

// ---- small builders ------------------------------------------------------------------

fn item(key: &str, title: &str, max: f64, rule: Rule, description: &str) -> Item {
    Item {
        key: key.into(),
        title: title.into(),
        max,
        rule,
        subject: Subject::Own,
        description: Some(description.into()),
    }
}

fn mentees(mut item: Item) -> Item {
    item.subject = Subject::Mentees;
    item
}

fn section(title: &str, items: Vec<Item>) -> Section {
    Section {
        title: title.into(),
        items,
    }
}

fn conduct(kinds: &[ConductKind]) -> Measure {
    Measure::Conduct { kinds: kinds.to_vec() }
}

fn activity(kinds: &[MemberActivityKind]) -> Measure {
    Measure::Activity { kinds: kinds.to_vec() }
}

/// `points` per unit of the activity's quantity.
fn per(kind: MemberActivityKind, points: f64) -> Adjustment {
    Adjustment::PerOccurrence {
        measure: activity(&[kind]),
        points,
        at_most: None,
        by_role: vec![],
        note: None,
    }
}

/// `points` once when the activity is recorded at all (a judgement, not a count).
fn once(kind: MemberActivityKind, points: f64) -> Adjustment {
    Adjustment::PerOccurrence {
        measure: activity(&[kind]),
        points,
        at_most: Some(1.0),
        by_role: vec![],
        note: None,
    }
}

/// Points by the person's role: 支部书记 first, then 支部委员.
fn by_role(kind: MemberActivityKind, secretary: f64, committee: f64) -> Adjustment {
    Adjustment::PerOccurrence {
        measure: activity(&[kind]),
        points: 0.0,
        at_most: None,
        by_role: vec![
            RolePoints {
                role: Role::BranchSecretary,
                points: secretary,
            },
            RolePoints {
                role: Role::BranchCommittee,
                points: committee,
            },
        ],
        note: None,
    }
}

fn shortfall(kind: MemberActivityKind, target: f64, unit: f64, points: f64, if_none: Option<f64>) -> Adjustment {
    Adjustment::Shortfall {
        measure: activity(&[kind]),
        target,
        unit,
        points,
        if_none,
        note: None,
    }
}

fn commendation(level: AwardLevel, points: f64) -> Adjustment {
    Adjustment::PerOccurrence {
        measure: Measure::Awards {
            categories: vec![AwardCategory::Commendation],
            levels: vec![level],
        },
        points,
        at_most: None,
        by_role: vec![],
        note: None,
    }
}

fn grades(excellent: f64, basically: f64) -> Adjustment {
    Adjustment::DemocraticGrade {
        points: BTreeMap::from([
            (DemocraticGrade::Excellent, excellent),
            (DemocraticGrade::BasicallyQualified, basically),
        ]),
        note: None,
    }
}

fn adjusted(adjustments: Vec<Adjustment>) -> Rule {
    Rule::Adjusted {
        base: None,
        adjustments,
    }
}

fn value(categories: &[AwardCategory], levels: &[AwardLevel], points: f64) -> AwardValue {
    AwardValue {
        categories: categories.to_vec(),
        levels: levels.to_vec(),
        points,
        series: None,
        note: None,
    }
}

/// Seed 000 form 2, 获奖情况, with municipal and district levels placed between provincial
/// and school (the form does not name them).
fn award_values() -> Vec<AwardValue> {
    use AwardCategory::*;
    use AwardLevel::*;
    let personal = [Individual, Commendation];
    let mut values = vec![
        value(&personal, &[National], 10.0),
        value(&personal, &[Provincial], 5.0),
        value(&personal, &[Municipal], 4.0),
        value(&personal, &[District], 3.0),
        value(&personal, &[School], 3.0),
        value(&personal, &[AwardLevel::College], 2.0),
        value(&[Collective], &[National], 10.0),
        value(&[Collective], &[Provincial], 5.0),
        value(&[Collective], &[Municipal], 4.0),
        value(&[Collective], &[District], 3.0),
        value(&[Collective], &[School], 2.0),
        value(&[Collective], &[AwardLevel::College], 1.0),
    ];
    // The certificates: "通过" an exam once; A and B, or level 1 and level 2, are the same
    // 奖励 at two values, so each exam is one series.
    let mut certificate = |category, points, series: &str| {
        let mut v = value(&[category], &[], points);
        v.series = Some(series.into());
        values.push(v);
    };
    certificate(EnglishAb, 2.0, "ENGLISH_AB");
    certificate(ComputerLevel2, 2.0, "COMPUTER");
    certificate(ComputerLevel1, 1.0, "COMPUTER");
    values
}

/// Seed 003 article 8 / 14 / 15: 80% quantitative + 20% democratic poll, ≥ 90 commended,
/// < 60 unqualified, an "unqualified" democratic evaluation vetoes.
fn seed_003_total() -> (Total, Option<Bands>, Option<Veto>) {
    (
        Total::Weighted {
            parts: vec![
                WeightedPart {
                    weight: 0.8,
                    source: Source::Items,
                },
                WeightedPart {
                    weight: 0.2,
                    source: Source::PollScore,
                },
            ],
        },
        Some(Bands {
            commended: 90.0,
            qualified: 60.0,
        }),
        Some(Veto {
            democratic_grades: vec![DemocraticGrade::Unqualified],
        }),
    )
}

// ---- key-target-100 --------------------------------------------------------------------

/// 入党重点培养对象量化考核表 (seed 000, form 2; DESIGN §4). The item keys are API.
pub fn key_target_100() -> Rubric {
    Rubric {
        key: "key-target-100".into(),
        title: "入党重点培养对象量化考核表".into(),
        version: 1,
        description: Some("Seed 000, form 2 (工业与信息学院, 附件二).".into()),
        max: 100.0,
        sections: vec![
            section(
                "思想素质",
                vec![
                    item(
                        "political_stance",
                        "政治立场",
                        5.0,
                        Rule::Manual,
                        "认真贯彻执行党的路线、方针、政策……政治立场坚定，与党中央保持高度一致5分。",
                    ),
                    item(
                        "theory_study",
                        "理论学习",
                        5.0,
                        Rule::AllOrNothing {
                            measure: conduct(&[C::StudySessionMissed]),
                            points: 5.0,
                        },
                        "积极参加支部组织的学习讨论活动5分，缺席一次及以上计0分。",
                    ),
                    item(
                        "thought_reports",
                        "思想汇报",
                        10.0,
                        Rule::Threshold {
                            conditions: vec![Condition {
                                measure: Measure::ThoughtReports,
                                at_least: 4.0,
                            }],
                            points: 10.0,
                            otherwise: 0.0,
                        },
                        "一年内撰写不少于4篇思想汇报10分；低于4篇计0分。",
                    ),
                ],
            ),
            section(
                "学习成绩",
                vec![item(
                    "academics",
                    "专业成绩",
                    15.0,
                    Rule::Tiers {
                        parts: vec![
                            TierPart {
                                measure: Measure::LatestGpa,
                                tiers: vec![Tier {
                                    at_least: Some(2.5),
                                    at_most: None,
                                    points: 5.0,
                                }],
                            },
                            TierPart {
                                measure: Measure::LatestClassRank,
                                tiers: [(1.0, 5.0, 10.0), (6.0, 10.0, 8.0), (11.0, 15.0, 6.0), (16.0, 20.0, 4.0)]
                                    .into_iter()
                                    .map(|(a, b, points)| Tier {
                                        at_least: Some(a),
                                        at_most: Some(b),
                                        points,
                                    })
                                    .collect(),
                            },
                        ],
                    },
                    "以绩点排名为准，绩点2.5以上5分；居班级前5名加10分，前10名加8分，10—15名加6分，前20名加4分（取所在档次）。",
                )],
            ),
            section(
                "工作实践",
                vec![item(
                    "volunteer_service",
                    "青年志愿活动",
                    30.0,
                    Rule::PerTermThreshold {
                        conditions: vec![
                            Condition {
                                measure: Measure::VolunteerHours,
                                at_least: 20.0,
                            },
                            Condition {
                                measure: Measure::VolunteerSessions,
                                at_least: 5.0,
                            },
                        ],
                        points: 30.0,
                        otherwise: 0.0,
                    },
                    "积极参加青年志愿者活动每学期累计服务20小时，次数5次以上30分；不够则计0分。",
                )],
            ),
            section(
                "日常行为",
                vec![
                    item(
                        "class_attendance",
                        "课堂表现",
                        10.0,
                        Rule::AllOrNothing {
                            measure: conduct(&[C::Absence, C::Late, C::EarlyLeave]),
                            points: 10.0,
                        },
                        "无旷课、迟到、早退10分，有则计0分。",
                    ),
                    item(
                        "dorm",
                        "寝室表现",
                        10.0,
                        Rule::AllOrNothing {
                            measure: conduct(&[C::DormInspectionFailed]),
                            points: 10.0,
                        },
                        "宿舍卫生合格及以上为10分；内务有不合格记录计0分。",
                    ),
                    item(
                        "class_participation",
                        "班级表现",
                        5.0,
                        Rule::DeductPerOccurrence {
                            measure: conduct(&[C::ClassActivityMissed]),
                            per: 5.0,
                            from: None,
                            floor: 0.0,
                        },
                        "关心、帮助同学，积极参加班集体活动5分；不参加班集体活动一次扣5分，扣完为止。",
                    ),
                ],
            ),
            section(
                "所获奖励",
                vec![item(
                    "awards",
                    "获奖情况",
                    10.0,
                    Rule::BestOfSeries {
                        values: award_values(),
                        collective_from: vec![OrgUnitKind::Class],
                        cap: None,
                    },
                    "国家级10分，省级5分，校级3分，院级2分；英语A/B级2分；计算机二级2分、一级1分；班级校级集体荣誉2分、省级5分、国家级10分。同一奖励只取最高值；累计不超过10分。",
                )],
            ),
        ],
        total: Total::Sum,
        bands: None,
        veto: None,
    }
}

// ---- member-100 ------------------------------------------------------------------------

/// 普通党员量化考核 (seed 003, 办法三 第六条 2). Each 考核项目 is one item: its standard
/// score plus the bonuses minus the deductions of its lines, clamped (article 7).
pub fn member_100() -> Rubric {
    let (total, bands, veto) = seed_003_total();
    Rubric {
        key: "member-100".into(),
        title: "普通党员量化考核".into(),
        version: 1,
        description: Some(
            "Seed 003 (黨校學員黨性鍛鍊考核辦法三), 第六條 2: 学习20, 组织生活20, 岗位职责40, 民主评议20; 总分 = 量化80% + 民主测评20%."
                .into(),
        ),
        max: 100.0,
        sections: vec![
            section(
                "学习情况",
                vec![item(
                    "study",
                    "学习情况",
                    20.0,
                    adjusted(vec![
                        // ① 少参加一次扣1分 (recorded as a member activity, or as the
                        // conduct STUDY_SESSION_MISSED), 每少一个学时扣0.5分
                        per(A::StudySessionMissed, -1.0),
                        Adjustment::PerOccurrence {
                            measure: conduct(&[C::StudySessionMissed]),
                            points: -1.0,
                            at_most: None,
                            by_role: vec![],
                            note: None,
                        },
                        per(A::StudyHoursMissed, -0.5),
                        // ② 学习笔记不少于2万字，每少1万字扣1分，没有学习笔记的扣3分
                        shortfall(A::StudyNotes, 20_000.0, 10_000.0, -1.0, Some(-3.0)),
                        // ③ 理论文章不少于2篇（每篇≥5000字），缺一篇或字数不够扣2分
                        shortfall(A::TheoryArticle, 2.0, 1.0, -2.0, None),
                        // ④ 参加一次市、区学习培训或外出参观学习并有书面心得体会的加3分
                        per(A::TrainingWithReflection, 3.0),
                    ]),
                    "①少参加一次支部学习扣1分，每少一个学时扣0.5分；②学习笔记不少于2万字，每少1万字扣1分，没有扣3分；③理论文章不少于2篇，缺一篇或字数不够扣2分；④参加市、区培训或外出参观学习并有书面心得的加3分。",
                )],
            ),
            section(
                "参加组织生活会情况",
                vec![item(
                    "org_life",
                    "参加组织生活会情况",
                    20.0,
                    adjusted(vec![
                        per(A::OrgLifeMissedWithLeave, -2.0),
                        per(A::OrgLifeMissedWithoutLeave, -3.0),
                    ]),
                    "按照支部组织的次数，少参加一次扣2分，凡无故不参加的，一次扣3分，累计计分。",
                )],
            ),
            section(
                "岗位职责履行情况",
                vec![item(
                    "duties",
                    "岗位职责履行情况",
                    40.0,
                    adjusted(vec![
                        // ① 完不成工作任务的扣5分
                        once(A::TaskNotCompleted, -5.0),
                        // ② 为单位办一件实事加5分，为群众办一件实事加3分，办不成一件扣10分
                        per(A::DeedForUnit, 5.0),
                        per(A::DeedForMasses, 3.0),
                        Adjustment::Shortfall {
                            measure: activity(&[A::DeedForUnit, A::DeedForMasses]),
                            target: 1.0,
                            unit: 1.0,
                            points: -10.0,
                            if_none: None,
                            note: None,
                        },
                        // ③ 工作成绩突出、模范作用发挥好的加5分，反之扣5分
                        once(A::ExemplaryWork, 5.0),
                        once(A::PoorExample, -5.0),
                        // ④ 工作中有失职情况扣10分
                        once(A::DutyFailure, -10.0),
                        // ⑤ 提出合理化意见和建议加2分，采纳实施的加5分
                        per(A::SuggestionMade, 2.0),
                        per(A::SuggestionAdopted, 5.0),
                        // ⑥ 中央(国家部委)表彰一次加15分，省级10分，市级5分，区级3分
                        commendation(AwardLevel::National, 15.0),
                        commendation(AwardLevel::Provincial, 10.0),
                        commendation(AwardLevel::Municipal, 5.0),
                        commendation(AwardLevel::District, 3.0),
                    ]),
                    "①完不成工作任务扣5分；②为单位办一件实事加5分，为群众办一件实事加3分，年内办不成一件好事实事扣10分；③工作成绩突出加5分，反之扣5分；④失职扣10分；⑤提出合理化建议加2分，采纳实施加5分；⑥中央表彰加15分，省级10分，市级5分，区级3分。",
                )],
            ),
            section(
                "民主评议情况",
                vec![item(
                    "democratic",
                    "民主评议情况",
                    20.0,
                    adjusted(vec![
                        once(A::OpinionsNotSought, -5.0),
                        once(A::NoSelfReview, -4.0),
                        once(A::NoRectificationPlan, -5.0),
                        grades(5.0, -5.0),
                    ]),
                    "①征求意见不广泛的扣5分，没有思想自查总结或不深刻的扣4分，没有个人整改计划的扣5分；②民主评议为优秀格次的加5分，基本合格的扣5分。",
                )],
            ),
        ],
        total,
        bands,
        veto,
    }
}

// ---- leader-100 ------------------------------------------------------------------------

/// 党员领导干部量化考核 (seed 003, 办法三 第六条 1).
pub fn leader_100() -> Rubric {
    let (total, bands, veto) = seed_003_total();
    Rubric {
        key: "leader-100".into(),
        title: "党员领导干部量化考核".into(),
        version: 1,
        description: Some(
            "Seed 003 (黨校學員黨性鍛鍊考核辦法三), 第六條 1: 理论学习25, 组织生活20, 岗位职责25, 民主评议30; 总分 = 量化80% + 民主测评20%."
                .into(),
        ),
        max: 100.0,
        sections: vec![
            section(
                "理论学习情况",
                vec![item(
                    "theory_study",
                    "理论学习情况",
                    25.0,
                    adjusted(vec![
                        // ① 每月组织一次党课，缺一次扣1分，少一个学时扣0.5分
                        per(A::PartyLectureMissed, -1.0),
                        per(A::StudyHoursMissed, -0.5),
                        // ② 年学习笔记不少于3万字，每少于1万字扣1分，没有的扣3分
                        shortfall(A::StudyNotes, 30_000.0, 10_000.0, -1.0, Some(-3.0)),
                        // ③ 书面学习心得或理论文章全年不少于3篇，缺一篇扣1分
                        shortfall(A::TheoryArticle, 3.0, 1.0, -1.0, None),
                        // ④ 参加市党校培训并有心得体会的一次加3分；没有撰写的扣2分
                        per(A::TrainingWithReflection, 3.0),
                        per(A::TrainingWithoutReflection, -2.0),
                        // ⑤ 组织党员干部参观学习一次，支部书记加2分，支部委员加1分
                        by_role(A::StudyVisitOrganized, 2.0, 1.0),
                    ]),
                    "①每月组织一次党课，缺一次扣1分，少一个学时扣0.5分；②年学习笔记不少于3万字，每少1万字扣1分，没有扣3分；③学习心得或理论文章不少于3篇，缺一篇扣1分；④参加市党校培训并有心得的一次加3分，没有撰写的扣2分；⑤组织参观学习一次，支部书记加2分，支部委员加1分。",
                )],
            ),
            section(
                "组织生活情况",
                vec![item(
                    "org_life",
                    "组织生活情况",
                    20.0,
                    adjusted(vec![
                        // 1 每少参加一次党员大会扣0.5分
                        per(A::GeneralMeetingMissed, -0.5),
                        // 2 支部未培养和发展新党员的扣2分，超过转正期限三个月的扣1分
                        once(A::NoMemberDeveloped, -2.0),
                        per(A::ConfirmationOverdue, -1.0),
                        // 3 党小组会议每少一次扣1分，未参加学习的不得分
                        per(A::GroupMeetingMissed, -1.0),
                        Adjustment::ZeroIf {
                            measure: activity(&[A::BranchStudyNotAttended]),
                            note: None,
                        },
                        // 4 少一次党课扣0.5分
                        per(A::PartyLectureAbsent, -0.5),
                    ]),
                    "1 每少参加一次党员大会扣0.5分；2 支部未培养和发展新党员的扣2分，超过党员转正期限三个月的扣1分；3 党小组会议每少一次扣1分，未参加学习的不得分；4 少一次党课扣0.5分。",
                )],
            ),
            section(
                "岗位职责履行情况",
                vec![item(
                    "duties",
                    "岗位职责履行情况",
                    25.0,
                    adjusted(vec![
                        // ② 执行上级决定消极应付造成阻碍的扣10分
                        once(A::DecisionObstructed, -10.0),
                        // ③ 无故不参加干部学习及组织生活一次扣3分，累计
                        per(A::CadreStudyMissed, -3.0),
                        // ④ 未建立教育管理长效机制的扣4分
                        once(A::NoLongTermMechanism, -4.0),
                        // ⑤ 思想政治工作无措施、无成效的扣3分
                        once(A::NoPoliticalWorkMeasures, -3.0),
                        // ⑥ 工作无创新……群众不满意的扣5分
                        once(A::NoInnovation, -5.0),
                        // ⑦ 不积极交纳党费或不交党费的扣10分
                        once(A::DuesUnpaid, -10.0),
                        // ⑧ 年终考核前三名：书记加5分，委员加3分；后三名：书记扣5分，委员扣3分
                        by_role(A::YearEndTopThree, 5.0, 3.0),
                        by_role(A::YearEndBottomThree, -5.0, -3.0),
                    ]),
                    "②消极执行上级决定扣10分；③无故不参加干部学习一次扣3分，累计；④未建立长效机制扣4分；⑤思想政治工作无措施无成效扣3分；⑥工作无创新、群众不满意扣5分；⑦不交党费扣10分；⑧年终考核前三名书记加5分、委员加3分，后三名书记扣5分、委员扣3分。",
                )],
            ),
            section(
                "民主评议情况",
                vec![item(
                    "democratic",
                    "民主评议情况",
                    30.0,
                    adjusted(vec![
                        once(A::OpinionsNotSought, -3.0),
                        once(A::NoSelfReview, -4.0),
                        once(A::NoRectificationPlan, -3.0),
                        grades(3.0, -3.0),
                    ]),
                    "①征求意见不广泛的扣3分，没有思想自查总结或不深刻的扣4分，没有个人整改计划的扣3分；②民主评议为优秀格次的加3分，基本合格的扣3分。",
                )],
            ),
        ],
        total,
        bands,
        veto,
    }
}

// ---- party-star ------------------------------------------------------------------------

/// The mentor score behind 党员之星 (seed 001, 七(三)1 and 八(四)), 100 points.
pub fn party_star() -> Rubric {
    use Stage::*;
    let stage_bonus = |stages: &[Stage], points: f64| Adjustment::PerOccurrence {
        measure: Measure::StageChanges {
            stages: stages.to_vec(),
        },
        points,
        at_most: None,
        by_role: vec![],
        note: None,
    };
    let mentee_conduct = |kinds: &[ConductKind], points: f64| Adjustment::PerOccurrence {
        measure: conduct(kinds),
        points,
        at_most: None,
        by_role: vec![],
        note: None,
    };
    let mut own_awards = award_values();
    own_awards.retain(|v| !v.categories.contains(&AwardCategory::Collective));
    Rubric {
        key: "party-star".into(),
        title: "学生党员之星（帮助人综合评定）".into(),
        version: 1,
        description: Some(
            "Seed 001 七(三)1: 每月报送的帮助情况、对被帮助人的随机访问、被帮助人获奖或违纪情况、被帮助人发展为党员的数量、帮助人自身学习工作获奖情况; 八(四): 定期交流并每月上交记录表."
                .into(),
        ),
        max: 100.0,
        sections: vec![
            section(
                "帮扶工作",
                vec![
                    item(
                        "contact_compliance",
                        "交流频次",
                        25.0,
                        Rule::Proportional {
                            ratio: Ratio::CadenceMet,
                        },
                        "结对约定的交流频次（如每两周/每月至少一次）达标的窗口占比 × 25。",
                    ),
                    item(
                        "monthly_records",
                        "每月报送",
                        15.0,
                        Rule::Proportional {
                            ratio: Ratio::MonthlyRecords,
                        },
                        "每个结对每月上交活动情况记录表的月份占比 × 15（假期整月不计）。",
                    ),
                    item(
                        "visit_feedback",
                        "随机访问",
                        15.0,
                        Rule::Proportional {
                            ratio: Ratio::VisitRating,
                        },
                        "对被帮助人随机访问的评分（1—5）均值：(均值−1)/4 × 15；无访问记录计0分。",
                    ),
                ],
            ),
            section(
                "帮扶成效",
                vec![
                    mentees(item(
                        "mentee_awards",
                        "被帮助人获奖",
                        10.0,
                        Rule::BestOfSeries {
                            values: award_values(),
                            collective_from: vec![],
                            cap: None,
                        },
                        "被帮助人在结对期间的获奖，按入党重点培养对象考核表的分值，同一奖励取最高值，累计不超过10分。",
                    )),
                    mentees(item(
                        "mentee_conduct",
                        "被帮助人违纪情况",
                        10.0,
                        adjusted(vec![
                            mentee_conduct(&[C::Sanction], -10.0),
                            mentee_conduct(&[C::Absence], -2.0),
                            mentee_conduct(
                                &[
                                    C::Late,
                                    C::EarlyLeave,
                                    C::DormInspectionFailed,
                                    C::ClassActivityMissed,
                                    C::StudySessionMissed,
                                ],
                                -1.0,
                            ),
                        ]),
                        "10分起：被帮助人在结对期间受纪律处分一次扣10分，旷课一次扣2分，迟到、早退、内务不合格、缺席班级活动或支部学习一次扣1分，扣完为止。",
                    )),
                    mentees(item(
                        "mentee_progress",
                        "被帮助人进步与发展",
                        15.0,
                        Rule::Adjusted {
                            base: Some(0.0),
                            adjustments: vec![
                                stage_bonus(&[Applicant, Activist, DevelopmentTarget, Full], 5.0),
                                stage_bonus(&[Probationary], 10.0),
                            ],
                        },
                        "被帮助人在结对期间每前进一个阶段加5分，发展为（预备）党员加10分，累计不超过15分。",
                    )),
                ],
            ),
            section(
                "帮助人自身情况",
                vec![
                    item(
                        "own_academics",
                        "自身学习",
                        5.0,
                        Rule::Tiers {
                            parts: vec![TierPart {
                                measure: Measure::LatestRankShare,
                                tiers: vec![
                                    Tier {
                                        at_least: None,
                                        at_most: Some(0.2),
                                        points: 5.0,
                                    },
                                    Tier {
                                        at_least: None,
                                        at_most: Some(0.5),
                                        points: 3.0,
                                    },
                                    Tier {
                                        at_least: None,
                                        at_most: None,
                                        points: 1.0,
                                    },
                                ],
                            }],
                        },
                        "期内最近一学期成绩：班级排名前20% 5分，前50% 3分，其余1分；无成绩0分。",
                    ),
                    item(
                        "own_awards",
                        "自身获奖",
                        5.0,
                        Rule::BestOfSeries {
                            values: own_awards,
                            collective_from: vec![],
                            cap: None,
                        },
                        "帮助人本人期内获奖，按入党重点培养对象考核表的分值，同一奖励取最高值，累计不超过5分。",
                    ),
                ],
            ),
        ],
        total: Total::Sum,
        bands: None,
        veto: None,
    }
}

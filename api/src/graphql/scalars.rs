//! The contract's scalars and enums, and parsing of untrusted ids at the edge.

use crate::error::{ApiError, ApiResult};
use async_graphql::{Enum, ID, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

/// The first day any input may name: the People's Republic is founded in 1949, and no
/// record of a Party branch here is older.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1949, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};
/// How far ahead an input may reach (a pairing or vacation planned ahead; an `asOf` to
/// look forward): ten years.
pub const YEARS_AHEAD: u32 = 10;

/// The last day an input may name: ten years from today (Shanghai).
pub fn latest() -> NaiveDate {
    let today = domain::time::local_date(Utc::now());
    today
        .checked_add_months(chrono::Months::new(12 * YEARS_AHEAD))
        .unwrap_or(today)
}

/// Inside the window inputs may name: bounded dates keep every walk over windows short
/// and every answer RFC 3339 (years 0–999 and 10000+ are not), on both stores alike.
pub(crate) fn in_window(day: NaiveDate) -> bool {
    (EARLIEST..=latest()).contains(&day)
}

/// `Date`: a calendar day in Asia/Shanghai, `YYYY-MM-DD`, from 1949-01-01 to ten years
/// ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

impl Date {
    pub const EXPECTED: &str = "expected a date YYYY-MM-DD from 1949-01-01 to ten years from today";

    fn read(value: &Value) -> Option<Date> {
        match value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|d| in_window(*d))
                .map(Date),
            _ => None,
        }
    }
}

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        Date::read(&value).ok_or_else(|| InputValueError::custom(Date::EXPECTED))
    }

    fn is_valid(value: &Value) -> bool {
        Date::read(value).is_some()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// `DateTime`: RFC 3339 with an offset, from 1949 to ten years ahead; answers are given
/// in Shanghai time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl DateTime {
    pub const EXPECTED: &str = "expected an RFC 3339 time with an offset, from 1949-01-01 to ten years from today";

    fn read(value: &Value) -> Option<DateTime> {
        match value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .filter(|t| in_window(domain::time::local_date(*t)))
                .map(DateTime),
            _ => None,
        }
    }
}

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        DateTime::read(&value).ok_or_else(|| InputValueError::custom(DateTime::EXPECTED))
    }

    fn is_valid(value: &Value) -> bool {
        DateTime::read(value).is_some()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.with_timezone(&domain::time::shanghai()).to_rfc3339())
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(t: chrono::DateTime<Utc>) -> DateTime {
        DateTime(t)
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Date {
        Date(d)
    }
}

/// Parses an id argument; a malformed one is bad input on that field.
pub fn uuid(field: &str, id: &ID) -> ApiResult<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| ApiError::bad(field, format!("`{}` is not an id", id.as_str())))
}

pub fn uuids(field: &str, ids: &[ID]) -> ApiResult<Vec<Uuid>> {
    ids.iter().map(|id| uuid(field, id)).collect()
}

pub fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

macro_rules! contract_enum {
    ($(#[$emeta:meta])* $name:ident => $remote:literal { $($(#[$meta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$emeta])*
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($(#[$meta])* $variant),+ }
    };
}

// The domain's names, in Chinese, carried into the schema's descriptions.
contract_enum!(
    /// 政治面貌: the road to full membership.
    Stage => "domain::Stage" {
        /// 群众 / 共青团员.
        NonParty,
        /// 入党申请人.
        Applicant,
        /// 入党积极分子.
        Activist,
        /// 发展对象.
        DevelopmentTarget,
        /// 预备党员.
        Probationary,
        /// 正式党员.
        Full,
    }
);
contract_enum!(
    /// 组织架构: the kinds of unit.
    OrgUnitKind => "domain::OrgUnitKind" {
        /// 学校.
        School,
        /// 学院.
        College,
        /// 党支部.
        Branch,
        /// 党小组.
        PartyGroup,
        /// 班级.
        Class,
        /// 团支部.
        LeagueBranch,
    }
);
contract_enum!(
    /// 结对方式.
    PairingKind => "domain::PairingKind" {
        /// 一对一.
        OneToOne,
        /// 多对一 (two or more mentors, at least one a Party member).
        ManyToOne,
        /// 老党员带新党员 (full members who joined earlier, for a new member).
        OldToNew,
        /// 培养联系人 (a full member for an activist).
        CultivationContact,
        /// 党员带团支部 (two or three Party members).
        MemberToLeagueBranch,
        /// 支部对支部.
        BranchToBranch,
    }
);
contract_enum!(
    /// 帮扶形式.
    ContactForm => "domain::ContactForm" {
        /// 面对面谈心.
        FaceToFace,
        /// 走访宿舍.
        DormVisit,
        /// 下课堂听课.
        ClassVisit,
        /// 社会实践.
        SocialPractice,
        /// 线上.
        Online,
        /// 电话.
        Phone,
    }
);
contract_enum!(
    /// A calendar window of a cadence: 每周 / 每月.
    CalendarUnit => "domain::CalendarUnit" { Week, Month }
);
contract_enum!(
    /// 获奖级别.
    AwardLevel => "domain::AwardLevel" {
        /// 国家级.
        National,
        /// 省级.
        Provincial,
        /// 市级.
        Municipal,
        /// 区级.
        District,
        /// 校级.
        School,
        /// 院级.
        College,
    }
);
contract_enum!(
    /// What an award is.
    AwardCategory => "domain::AwardCategory" {
        /// 个人奖项.
        Individual,
        /// 集体荣誉.
        Collective,
        /// 英语 A/B 级.
        EnglishAb,
        /// 计算机一级.
        ComputerLevel1,
        /// 计算机二级.
        ComputerLevel2,
        /// 表彰 (seed 003).
        Commendation,
    }
);
contract_enum!(
    /// 考勤与纪律.
    ConductKind => "domain::ConductKind" {
        /// 旷课.
        Absence,
        /// 迟到.
        Late,
        /// 早退.
        EarlyLeave,
        /// 内务不合格.
        DormInspectionFailed,
        /// 班集体活动缺席.
        ClassActivityMissed,
        /// 支部学习缺席.
        StudySessionMissed,
        /// 纪律处分.
        Sanction,
    }
);
contract_enum!(
    /// Who gives a score: 自评 / 组织部考评 / 支部考评 / 群众评议.
    EvaluatorRole => "domain::EvaluatorRole" {
        /// 自评.
        #[graphql(name = "SELF")]
        SelfAssessment,
        /// 组织部考评.
        Organization,
        /// 支部考评.
        Branch,
        /// 群众评议 (seed 002): the non-Party people around the person, as the branch tallies them.
        Masses,
    }
);
contract_enum!(
    /// 评优.
    RankingKind => "domain::RankingKind" {
        /// 党员之星 (top 10% of mentors).
        PartyStar,
        /// 最具进步奖 (top 5% of nominated mentees).
        MostImproved,
    }
);
contract_enum!(
    /// A role over a unit and everything below it.
    Role => "domain::Role" {
        /// 管理员.
        Admin,
        /// 院党委.
        CollegeCommittee,
        /// 支部书记.
        BranchSecretary,
        /// 支委.
        BranchCommittee,
        /// 党小组长.
        GroupLeader,
        /// 辅导员.
        Counsellor,
    }
);
contract_enum!(
    /// 排查摸底 categories (seed 001: 「学业困难、思想偏激、心理脆弱……受到纪律处分」).
    ScreeningCategory => "domain::ScreeningCategory" {
        /// 学业困难.
        AcademicDifficulty,
        /// 思想偏激.
        ExtremeViews,
        /// 心理脆弱.
        FragilePsychology,
        /// 经济困难.
        EconomicHardship,
        /// 学籍处理.
        StatusProcessing,
        /// 网络成瘾.
        InternetAddiction,
        /// 就业困难.
        EmploymentDifficulty,
        /// 罹患重大疾病.
        SeriousIllness,
        /// 生活不能独立.
        CannotLiveIndependently,
        /// 受到纪律处分.
        DisciplinarySanction,
    }
);
contract_enum!(
    /// The branch's periodic reviews (seed 002).
    ReviewKind => "domain::ReviewKind" {
        /// 入党积极分子考察鉴定, each quarter (「每季度对入党积极分子进行考察鉴定」).
        ActivistReview,
        /// 预备党员综合鉴定, each half year, read as each term (「支部每半年进行一次综合鉴定」).
        ProbationReview,
    }
);
contract_enum!(
    /// Whom a thought report was handed to (seed 002: 「每月向党小组，每季度向党支部书面汇报」).
    ReportRecipient => "domain::ReportRecipient" {
        /// 党小组 (its leader).
        PartyGroup,
        /// 党支部.
        Branch,
    }
);
contract_enum!(
    /// 民主评议 grades.
    DemocraticGrade => "domain::DemocraticGrade" {
        /// 优秀.
        Excellent,
        /// 合格.
        Qualified,
        /// 基本合格.
        BasicallyQualified,
        /// 不合格 (一票否决).
        Unqualified,
    }
);

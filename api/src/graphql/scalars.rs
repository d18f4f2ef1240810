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
fn in_window(day: NaiveDate) -> bool {
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
    ($name:ident => $remote:literal { $($(#[$meta:meta])* $variant:ident),+ $(,)? }) => {
        #[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($(#[$meta])* $variant),+ }
    };
}

contract_enum!(Stage => "domain::Stage" { NonParty, Applicant, Activist, DevelopmentTarget, Probationary, Full });
contract_enum!(OrgUnitKind => "domain::OrgUnitKind" { School, College, Branch, PartyGroup, Class, LeagueBranch });
contract_enum!(PairingKind => "domain::PairingKind" {
    OneToOne, ManyToOne, OldToNew, CultivationContact, MemberToLeagueBranch, BranchToBranch
});
contract_enum!(ContactForm => "domain::ContactForm" { FaceToFace, DormVisit, ClassVisit, SocialPractice, Online, Phone });
contract_enum!(CalendarUnit => "domain::CalendarUnit" { Week, Month });
contract_enum!(AwardLevel => "domain::AwardLevel" { National, Provincial, Municipal, District, School, College });
contract_enum!(AwardCategory => "domain::AwardCategory" {
    Individual, Collective, EnglishAb, ComputerLevel1, ComputerLevel2, Commendation
});
contract_enum!(ConductKind => "domain::ConductKind" {
    Absence, Late, EarlyLeave, DormInspectionFailed, ClassActivityMissed, StudySessionMissed, Sanction
});
contract_enum!(EvaluatorRole => "domain::EvaluatorRole" { #[graphql(name = "SELF")] SelfAssessment, Organization, Branch });
contract_enum!(RankingKind => "domain::RankingKind" { PartyStar, MostImproved });
contract_enum!(Role => "domain::Role" { Admin, CollegeCommittee, BranchSecretary, BranchCommittee, GroupLeader, Counsellor });
contract_enum!(ScreeningCategory => "domain::ScreeningCategory" {
    AcademicDifficulty, ExtremeViews, FragilePsychology, EconomicHardship, StatusProcessing,
    InternetAddiction, EmploymentDifficulty, SeriousIllness, CannotLiveIndependently, DisciplinarySanction,
});
contract_enum!(DemocraticGrade => "domain::DemocraticGrade" { Excellent, Qualified, BasicallyQualified, Unqualified });

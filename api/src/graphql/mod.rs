//! The GraphQL API (`schema.graphql`), one file per area of the programme. Each area holds
//! its queries, mutations, subscriptions, inputs and object types; this module only merges
//! them, and builds the schema the server and the SDL export share.
//!
//! | area | what |
//! |---|---|
//! | [`org`] | the organisation tree |
//! | [`people`] | who a person is, registration, the Party's stage rules, roles |
//! | [`records`] | a person's record: thought reports, service, awards, results, conduct |
//! | [`members`] | seed 003's member activities and democratic evaluations |
//! | [`screening`] | 排查摸底 and its privacy log |
//! | [`pairings`] | pairings: forming, ending, finding |
//! | [`contacts`] | what a pairing keeps: contacts, visits, monthly records, opinions |
//! | [`assessments`] | rubrics, assessments, evaluators' scores |
//! | [`rankings`] | 党员之星, 最具进步奖, nominations and approvals |
//! | [`alerts`] | contact alerts (also live) and the secretary's alerts |
//! | [`audit`] | the event log, live events, retraction |
//! | [`school`] | school-wide settings: vacations |
//! | [`statistics`] | a scope's figures for a period, and each unit's below it |
//! | [`imports`] | files in: `importPeople`, a roster registered in one batch |
//! | [`reminders`] | notification channels (secrets kept beside the log, masked in every read) and the messages sent |
//!
//! Shared plumbing, imported by the areas (never one area by another): [`context`] (the
//! caller, the app, `run` for commands, [`context::Seen`]), [`paging`] (pages and their
//! cost), [`scalars`] (the contract's scalars and enums), [`limits`] (what a document may
//! cost before it runs), [`budget`] (what a batch's operations share), [`telemetry`] (a
//! span and a duration per operation), [`text`] (what text may hold) and [`upload`] (an uploaded file's bytes, and the markers that name
//! files). The entities that several areas extend — [`OrgUnit`], [`Person`],
//! [`Pairing`] — are merged here from each area's part; building one judges the caller's
//! rights once ([`Person::get`]).

mod alerts;
mod assessments;
mod attachments;
mod audit;
pub mod budget;
mod contacts;
pub(crate) mod context;
mod guard;
mod imports;
pub mod limits;
mod members;
mod org;
mod paging;
mod pairings;
mod people;
mod rankings;
mod records;
mod reminders;
pub mod scalars;
mod school;
mod screening;
mod statistics;
mod telemetry;
mod text;
pub mod upload;

use crate::app::App;
use async_graphql::{Context, MergedObject, MergedSubscription, Schema};
use context::Seen;
use domain::access::Right;
use uuid::Uuid;

pub use paging::{MAX_COMPLEXITY, MAX_DEPTH};

/// Every read, merged from one object per area.
#[derive(MergedObject, Default)]
pub struct Query(
    org::OrgQuery,
    people::PeopleQuery,
    pairings::PairingQuery,
    screening::ScreeningQuery,
    assessments::AssessmentQuery,
    rankings::RankingQuery,
    alerts::AlertQuery,
    audit::AuditQuery,
    school::SchoolQuery,
    statistics::StatisticsQuery,
    reminders::ReminderQuery,
);

/// Every write, merged from one object per area. Each appends events and answers with
/// what it recorded.
#[derive(MergedObject, Default)]
pub struct Mutation(
    org::OrgMutation,
    people::PeopleMutation,
    records::RecordMutation,
    members::MemberMutation,
    screening::ScreeningMutation,
    pairings::PairingMutation,
    contacts::ContactMutation,
    assessments::AssessmentMutation,
    rankings::RankingMutation,
    audit::AuditMutation,
    school::SchoolMutation,
    imports::ImportMutation,
    attachments::AttachmentMutation,
    reminders::ReminderMutation,
);

/// Every subscription, merged from one object per area.
#[derive(MergedSubscription, Default)]
pub struct Subscription(audit::AuditSubscription, alerts::AlertSubscription);

pub type BangfuSchema = Schema<Query, Mutation, Subscription>;

/// A unit of the organisation.
#[derive(MergedObject)]
pub struct OrgUnit(org::OrgUnitFields, reminders::OrgUnitChannels);

impl OrgUnit {
    /// Anyone signed in may read the organisation tree.
    pub(crate) fn new(id: Uuid) -> OrgUnit {
        OrgUnit(org::OrgUnitFields(id), reminders::OrgUnitChannels(id))
    }
}

/// A person: who they are, their record, their screening and their pairings (each part
/// from its area).
#[derive(MergedObject)]
pub struct Person(
    people::PersonIdentity,
    people::PersonContact,
    records::PersonRecords,
    screening::PersonScreening,
    pairings::PersonPairings,
    attachments::PersonAttachments,
);

impl Person {
    /// The person as the caller may see them, judged now: who they are needs `ReadPerson`,
    /// their record (and how to reach them: `contact`, `email`) `ReadRecord`, their
    /// screening `Screening`.
    pub(crate) fn get(ctx: &Context<'_>, id: Uuid) -> Person {
        let identity = Seen::judge(ctx, id, Right::ReadPerson(id));
        let record = Seen::judge(ctx, id, Right::ReadRecord(id));
        Person(
            people::PersonIdentity(identity.clone()),
            people::PersonContact(record.clone()),
            records::PersonRecords(record.clone()),
            screening::PersonScreening(Seen::judge(ctx, id, Right::Screening(id))),
            pairings::PersonPairings(identity),
            attachments::PersonAttachments(record),
        )
    }
}

/// A pairing: its own fields, what it keeps, and where its contact cadence stands (each
/// part from its area).
#[derive(MergedObject)]
pub struct Pairing(
    pairings::PairingFields,
    contacts::PairingRecords,
    alerts::PairingAlert,
    attachments::PairingAttachments,
);

impl Pairing {
    /// The pairing as the caller may see it, judged now: everything needs `ReadPairing`.
    pub(crate) fn get(ctx: &Context<'_>, id: Uuid) -> Pairing {
        let seen = Seen::judge(ctx, id, Right::ReadPairing(id));
        Pairing(
            pairings::PairingFields(seen.clone()),
            contacts::PairingRecords(seen.clone()),
            alerts::PairingAlert(seen.clone()),
            attachments::PairingAttachments(seen),
        )
    }
}

/// One builder for the server and the SDL export. `targets`: where a notification
/// channel may point (strict: public addresses only).
pub fn build_schema(
    app: Option<App>,
    links: Option<crate::exports::Links>,
    targets: crate::reminders::TargetPolicy,
) -> BangfuSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription::default())
        .extension(limits::Limits)
        .extension(upload::Markers)
        .extension(telemetry::Telemetry)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if let Some(app) = app {
        builder = builder.data(app).data(rankings::Memo::default()).data(targets);
    }
    // Without it (the demo, the SDL export) the download-link fields answer an error.
    if let Some(links) = links {
        builder = builder.data(links);
    }
    builder.finish()
}

/// The SDL `bangfu export-schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None, None, Default::default()).sdl()
}

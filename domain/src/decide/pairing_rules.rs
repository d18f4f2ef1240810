//! Who may be paired with whom (issue 11): each pairing kind means something in the seeds,
//! and a pairing whose parties do not fit its kind is refused on the field that names them.
//! One function per rule, named after it, with the seed's words (docs/pairings.md).
//!
//! A person's stage is read on the pairing's first day (`Person::stage_on`), not today:
//! the state keeps each person's stage history, and a pairing formed for last September
//! is judged by who its people were then. Before a person's record begins (registered at
//! a stage from a later day) their stage is not known, and a rule that needs it refuses.

use super::*;
use crate::state::OrgUnit;
use crate::vocab::{OrgUnitKind, PairingKind, Stage};
use chrono::Months;

/// How many mentors each kind has; checked before anything is looked up.
///
/// - `ONE_TO_ONE` 一对一: one. `MANY_TO_ONE` 多对一: two or more (one is one-to-one).
/// - `CULTIVATION_CONTACT`, seed 002: 「指派1名正式党员作为入党积极分子培养联系人」: one.
/// - `MEMBER_TO_LEAGUE_BRANCH`, seed 004 (四): 「2或3名专升本党员帮扶一个低年级团支部」: two or three.
pub(super) fn mentor_count(kind: PairingKind, count: usize) -> Result<(), DomainError> {
    let rule = match kind {
        PairingKind::OneToOne if count != 1 => "a one-to-one pairing has exactly one mentor",
        PairingKind::ManyToOne if count < 2 => {
            "a many-to-one pairing has at least two mentors (one mentor is ONE_TO_ONE)"
        }
        PairingKind::CultivationContact if count != 1 => {
            "an activist has one cultivation contact (seed 002: 指派1名正式党员作为入党积极分子培养联系人)"
        }
        PairingKind::MemberToLeagueBranch if !(2..=3).contains(&count) => {
            "two or three members mentor a League branch (seed 004: 2或3名党员帮扶一个低年级团支部)"
        }
        _ => return Ok(()),
    };
    Err(DomainError::bad("mentorIds", rule))
}

/// The parties fit the kind: people or units of the sort it pairs, each at the stage its
/// seed asks for on `starts_on`. An id of the wrong sort says what it is; NOT_FOUND only
/// when it names nothing.
pub(super) fn parties_fit(
    state: &State,
    kind: PairingKind,
    mentors: &[Uuid],
    mentee: Uuid,
    starts_on: NaiveDate,
) -> Result<(), DomainError> {
    if kind == PairingKind::BranchToBranch {
        for &m in mentors {
            unit_of(state, kind, "mentorIds", m, OrgUnitKind::Branch)?;
        }
        return unit_of(state, kind, "menteeId", mentee, OrgUnitKind::Branch);
    }
    let people = mentors
        .iter()
        .map(|&m| person_of(state, kind, "mentorIds", m))
        .collect::<Result<Vec<_>, _>>()?;
    if kind == PairingKind::MemberToLeagueBranch {
        unit_of(state, kind, "menteeId", mentee, OrgUnitKind::LeagueBranch)?;
        return members_mentor_a_league_branch(&people, starts_on);
    }
    let mentee = person_of(state, kind, "menteeId", mentee)?;
    match kind {
        PairingKind::OldToNew => old_members_mentor_new_members(state, &people, mentee, starts_on),
        PairingKind::CultivationContact => a_full_member_is_an_activists_contact(&people, mentee, starts_on),
        _ => members_and_activists_mentor_classmates(kind, &people, starts_on),
    }
}

/// `ONE_TO_ONE`, `MANY_TO_ONE`. Seed 004 (一): 「党员、入党积极分子帮扶所在班级其他同学」:
/// each mentor is a Party member (probationary or full) or an activist; a development
/// target (发展对象) is an activist chosen for development and still counts.
/// Seed 000 二: 「每个重点培养入党积极分子至少有一名党员结对帮扶」: read as: a many-to-one
/// group has at least one Party member among its mentors, so activists never mentor as a
/// group of their own; a one-to-one mentor may be an activist, as seed 004 says.
fn members_and_activists_mentor_classmates(
    kind: PairingKind,
    mentors: &[&Person],
    starts_on: NaiveDate,
) -> Result<(), DomainError> {
    let mut members = 0;
    for m in mentors {
        let stage = stage_on(m, "mentorIds", starts_on)?;
        if !(stage.is_member() || matches!(stage, Stage::Activist | Stage::DevelopmentTarget)) {
            return Err(DomainError::bad(
                "mentorIds",
                format!(
                    "{} is {stage:?} on {starts_on}: a mentor is a Party member or an activist \
                     (seed 004: 党员、入党积极分子帮扶所在班级其他同学)",
                    m.id
                ),
            ));
        }
        members += usize::from(stage.is_member());
    }
    if kind == PairingKind::ManyToOne && members == 0 {
        return Err(DomainError::bad(
            "mentorIds",
            format!(
                "no mentor is a Party member on {starts_on}: a many-to-one pairing has at least one \
                 (seed 000: 至少有一名党员结对帮扶)"
            ),
        ));
    }
    Ok(())
}

/// `OLD_TO_NEW`. Seed 004 (三): 「老党员在加入党组织的时间上比新党员更早」, 「如安排一名老党员帮扶2名新党员」.
///
/// - The mentee is a new member on `starts_on`: probationary, or full for less than a
///   year (the anniversary of becoming full is the first day as an old member: full since
///   2025-03-01 is new until 2026-02-28).
/// - Each mentor is a full member, and joined strictly before the mentee. Joined (入党) is
///   the day a person became probationary, or became full when no such day is recorded.
/// - An old member mentors at most two new members at a time (the seed's 1:2): this
///   pairing and the mentor's other old-to-new pairings not ended before `starts_on`.
fn old_members_mentor_new_members(
    state: &State,
    mentors: &[&Person],
    mentee: &Person,
    starts_on: NaiveDate,
) -> Result<(), DomainError> {
    let new_rule = "an old-to-new pairing's mentee is a new member: probationary, or full for less than a year";
    match stage_on(mentee, "menteeId", starts_on)? {
        Stage::Probationary => {}
        Stage::Full => match mentee.first_day_at(Stage::Full) {
            Some(since)
                if since
                    .checked_add_months(Months::new(12))
                    .is_some_and(|old| starts_on < old) => {}
            Some(since) => {
                return Err(DomainError::bad(
                    "menteeId",
                    format!(
                        "{} has been a full member since {since}, a year or more on {starts_on}: {new_rule}",
                        mentee.id
                    ),
                ));
            }
            None => {
                return Err(DomainError::bad(
                    "menteeId",
                    format!("{} is a full member since a day not recorded: {new_rule}", mentee.id),
                ));
            }
        },
        stage => {
            return Err(DomainError::bad(
                "menteeId",
                format!("{} is {stage:?} on {starts_on}: {new_rule}", mentee.id),
            ));
        }
    }
    let mentee_joined = mentee.joined_on().ok_or_else(|| {
        DomainError::bad(
            "menteeId",
            format!("the record has no day {} joined the Party, to compare with", mentee.id),
        )
    })?;
    for m in mentors {
        full_mentor_on(m, starts_on, "an old member (老党员) is a full member")?;
        match m.joined_on() {
            Some(joined) if joined < mentee_joined => {}
            joined => {
                let joined = joined.map_or("on a day not recorded".to_owned(), |d| format!("on {d}"));
                return Err(DomainError::bad(
                    "mentorIds",
                    format!(
                        "{} joined the Party {joined}, not before the mentee did on {mentee_joined} \
                         (seed 004: 老党员在加入党组织的时间上比新党员更早)",
                        m.id
                    ),
                ));
            }
        }
        let held = state
            .pairings_mentored_by(m.id)
            .filter(|p| p.kind == PairingKind::OldToNew && p.ends_on.is_none_or(|end| end >= starts_on))
            .count();
        if held >= 2 {
            return Err(DomainError::bad(
                "mentorIds",
                format!(
                    "{} mentors two new members already on {starts_on}: an old member mentors two \
                     (seed 004: 一名老党员帮扶2名新党员)",
                    m.id
                ),
            ));
        }
    }
    Ok(())
}

/// `CULTIVATION_CONTACT`. Seed 002 二(一)3: 「指派1名正式党员作为入党积极分子培养联系人」:
/// one full member for an activist. A development target (发展对象) is not given one:
/// seed 002 二(二)2 gives them 「2名正式党员…作为发展对象的入党介绍人」 instead, after hearing
/// the cultivation contact they already have (a pairing formed while they were an activist
/// goes on as they advance).
fn a_full_member_is_an_activists_contact(
    mentors: &[&Person],
    mentee: &Person,
    starts_on: NaiveDate,
) -> Result<(), DomainError> {
    for m in mentors {
        full_mentor_on(
            m,
            starts_on,
            "a cultivation contact is a full member (seed 002: 指派1名正式党员作为入党积极分子培养联系人)",
        )?;
    }
    match stage_on(mentee, "menteeId", starts_on)? {
        Stage::Activist => Ok(()),
        Stage::DevelopmentTarget => Err(DomainError::bad(
            "menteeId",
            format!(
                "{} is a development target on {starts_on}: a cultivation contact is for an activist; \
                 a development target has two introducers (入党介绍人) instead",
                mentee.id
            ),
        )),
        stage => Err(DomainError::bad(
            "menteeId",
            format!(
                "{} is {stage:?} on {starts_on}: a cultivation contact is for an activist (入党积极分子)",
                mentee.id
            ),
        )),
    }
}

/// `MEMBER_TO_LEAGUE_BRANCH`. Seed 004 (四): 「2或3名专升本党员帮扶一个低年级团支部」: the
/// mentors (two or three, [`mentor_count`]) are Party members, probationary or full. The
/// seed's "upper-year" (高年级) is not recorded, so it is not checked.
fn members_mentor_a_league_branch(mentors: &[&Person], starts_on: NaiveDate) -> Result<(), DomainError> {
    for m in mentors {
        let stage = stage_on(m, "mentorIds", starts_on)?;
        if !stage.is_member() {
            return Err(DomainError::bad(
                "mentorIds",
                format!(
                    "{} is {stage:?} on {starts_on}: a League branch is mentored by Party members \
                     (seed 004: 2或3名党员帮扶一个低年级团支部)",
                    m.id
                ),
            ));
        }
    }
    Ok(())
}

/// A person's stage on `day`, or a refusal saying the record begins later.
/// A mentor who must be a full member on `day`; `rule` says which kind asks it.
fn full_mentor_on(mentor: &Person, day: NaiveDate, rule: &str) -> Result<(), DomainError> {
    match stage_on(mentor, "mentorIds", day)? {
        Stage::Full => Ok(()),
        stage => Err(DomainError::bad(
            "mentorIds",
            format!("{} is {stage:?} on {day}: {rule}", mentor.id),
        )),
    }
}

fn stage_on(person: &Person, field: &'static str, day: NaiveDate) -> Result<Stage, DomainError> {
    person.stage_on(day).ok_or_else(|| {
        let begins = person.registered_since.map_or(String::new(), |d| format!(" on {d}"));
        DomainError::bad(
            field,
            format!(
                "{} has no recorded stage on {day}: the record begins{begins}, as {:?}",
                person.id, person.registered_stage
            ),
        )
    })
}

/// What the kind's pairing calls itself, for messages.
fn kind_name(kind: PairingKind) -> &'static str {
    match kind {
        PairingKind::OneToOne => "a one-to-one pairing",
        PairingKind::ManyToOne => "a many-to-one pairing",
        PairingKind::OldToNew => "an old-to-new pairing",
        PairingKind::CultivationContact => "a cultivation-contact pairing",
        PairingKind::MemberToLeagueBranch => "a League branch pairing",
        PairingKind::BranchToBranch => "a branch-to-branch pairing",
    }
}

fn unit_name(kind: OrgUnitKind) -> &'static str {
    match kind {
        OrgUnitKind::School => "a school",
        OrgUnitKind::College => "a college",
        OrgUnitKind::Branch => "a branch",
        OrgUnitKind::PartyGroup => "a party group",
        OrgUnitKind::Class => "a class",
        OrgUnitKind::LeagueBranch => "a League branch",
    }
}

/// The person `id` names, or a refusal saying what it names instead.
fn person_of<'s>(
    state: &'s State,
    kind: PairingKind,
    field: &'static str,
    id: Uuid,
) -> Result<&'s Person, DomainError> {
    if let Some(p) = state.person(id) {
        return Ok(p);
    }
    let Some(unit) = state.org_unit(id) else {
        return Err(DomainError::not_found("person", id));
    };
    let role = if field == "menteeId" {
        "mentee is a person"
    } else {
        "mentors are people"
    };
    Err(DomainError::bad(
        field,
        format!("{id} is {}; {}'s {role}", unit_name(unit.kind), kind_name(kind)),
    ))
}

/// The unit `id` names when it is of `wanted` kind, or a refusal saying what it is.
fn unit_of(
    state: &State,
    kind: PairingKind,
    field: &'static str,
    id: Uuid,
    wanted: OrgUnitKind,
) -> Result<(), DomainError> {
    let is = match state.org_unit(id) {
        Some(OrgUnit { kind: k, .. }) if *k == wanted => return Ok(()),
        Some(unit) => unit_name(unit.kind),
        None if state.person(id).is_some() => "a person",
        None => return Err(DomainError::not_found("org unit", id)),
    };
    Err(DomainError::bad(
        field,
        format!("{id} is {is}; {} needs {}", kind_name(kind), unit_name(wanted)),
    ))
}

#[cfg(test)]
mod tests;

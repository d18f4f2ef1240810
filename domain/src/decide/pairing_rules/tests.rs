//! Who may be paired: for each kind, the pairings its seed accepts and those it refuses.
//! The testkit's "now" is 2026-06-30; pairings may start on any day before or after it.

use super::super::{FormPairing, form_pairing};
use crate::testkit::*;
use crate::vocab::{OrgUnitKind, PairingKind, Stage};
use uuid::Uuid;

fn pairing(kind: PairingKind, mentors: &[Uuid], mentee: Uuid, starts_on: &str) -> FormPairing {
    FormPairing {
        id: Uuid::new_v4(),
        kind,
        mentor_ids: mentors.to_vec(),
        mentee_id: mentee,
        starts_on: day(starts_on),
        cadence: monthly(1),
        situation: None,
    }
}

/// A world with a school, and a person at `stage` since 2024-09-01.
fn at_stage(w: &mut World, stage: Stage) -> Uuid {
    let school = w.school();
    w.register_since(&[school], stage, "2024-09-01")
}

#[test]
fn a_one_to_one_mentor_is_a_member_or_an_activist() {
    let mut w = World::new();
    let mentee = at_stage(&mut w, Stage::NonParty);
    for stage in [
        Stage::Activist,
        Stage::DevelopmentTarget,
        Stage::Probationary,
        Stage::Full,
    ] {
        let mentor = at_stage(&mut w, stage);
        let input = pairing(PairingKind::OneToOne, &[mentor], mentee, "2025-09-01");
        w.when(|s, _| form_pairing(s, input)).then_decided();
    }
    for stage in [Stage::NonParty, Stage::Applicant] {
        let mentor = at_stage(&mut w, stage);
        let input = pairing(PairingKind::OneToOne, &[mentor], mentee, "2025-09-01");
        let message = w.when(|s, _| form_pairing(s, input)).then_refuses("mentorIds");
        assert!(message.contains("党员、入党积极分子"), "{message}");
    }
}

#[test]
fn a_many_to_one_group_has_a_party_member_among_two_or_more_mentors() {
    let mut w = World::new();
    let mentee = at_stage(&mut w, Stage::NonParty);
    let (a1, a2) = (at_stage(&mut w, Stage::Activist), at_stage(&mut w, Stage::Activist));
    let member = at_stage(&mut w, Stage::Probationary);
    let activists_alone = pairing(PairingKind::ManyToOne, &[a1, a2], mentee, "2025-09-01");
    let message = w
        .when(|s, _| form_pairing(s, activists_alone))
        .then_refuses("mentorIds");
    assert!(message.contains("至少有一名党员"), "{message}");
    let one = pairing(PairingKind::ManyToOne, &[member], mentee, "2025-09-01");
    w.when(|s, _| form_pairing(s, one)).then_refuses("mentorIds");
    let with_member = pairing(PairingKind::ManyToOne, &[a1, member, a2], mentee, "2025-09-01");
    w.when(|s, _| form_pairing(s, with_member)).then_decided();
}

#[test]
fn the_stage_is_the_one_held_on_the_first_day() {
    let mut w = World::new();
    let mentee = at_stage(&mut w, Stage::NonParty);
    // An applicant from 2024-09-01, an activist from 2025-10-01.
    let mentor = at_stage(&mut w, Stage::Applicant);
    w.change_stage(mentor, Stage::Activist, "2025-10-01");
    let early = pairing(PairingKind::OneToOne, &[mentor], mentee, "2025-09-30");
    w.when(|s, _| form_pairing(s, early)).then_refuses("mentorIds");
    let on_the_day = pairing(PairingKind::OneToOne, &[mentor], mentee, "2025-10-01");
    w.when(|s, _| form_pairing(s, on_the_day)).then_decided();
    // Registered full from 2026-01-01: what they were in September is not recorded.
    let school = w.school();
    let late = w.register_since(&[school], Stage::Full, "2026-01-01");
    let before = pairing(PairingKind::OneToOne, &[late], mentee, "2025-09-01");
    let message = w.when(|s, _| form_pairing(s, before)).then_refuses("mentorIds");
    assert!(message.contains("no recorded stage"), "{message}");
}

/// An old member (probationary 2022-06-01, full 2023-06-01) and a mentee who became
/// probationary on 2024-03-01 and full on 2025-03-01.
fn old_and_new() -> (World, Uuid, Uuid) {
    let mut w = World::new();
    let school = w.school();
    let old = w.register_since(&[school], Stage::Probationary, "2022-06-01");
    w.change_stage(old, Stage::Full, "2023-06-01");
    let new = w.register_since(&[school], Stage::Probationary, "2024-03-01");
    w.change_stage(new, Stage::Full, "2025-03-01");
    (w, old, new)
}

#[test]
fn a_new_member_is_probationary_or_full_for_less_than_a_year() {
    let (mut w, old, new) = old_and_new();
    // Probationary on 2024-09-01.
    let probationary = pairing(PairingKind::OldToNew, &[old], new, "2024-09-01");
    w.when(|s, _| form_pairing(s, probationary)).then_decided();
    // Full since 2025-03-01: on 2026-02-01 that is 11 months (Mar … Jan), still new.
    let eleven_months = pairing(PairingKind::OldToNew, &[old], new, "2026-02-01");
    w.when(|s, _| form_pairing(s, eleven_months)).then_decided();
    // 2026-02-28 is the last day short of a year; 2026-03-01 is the first full year.
    let last_new_day = pairing(PairingKind::OldToNew, &[old], new, "2026-02-28");
    w.when(|s, _| form_pairing(s, last_new_day)).then_decided();
    let a_year = pairing(PairingKind::OldToNew, &[old], new, "2026-03-01");
    w.when(|s, _| form_pairing(s, a_year)).then_refuses("menteeId");
    // On 2026-04-01: 13 months (Mar 2025 … Mar 2026), an old member now.
    let thirteen_months = pairing(PairingKind::OldToNew, &[old], new, "2026-04-01");
    let message = w.when(|s, _| form_pairing(s, thirteen_months)).then_refuses("menteeId");
    assert!(message.contains("since 2025-03-01"), "{message}");
    // An activist is no member at all.
    let activist = at_stage(&mut w, Stage::Activist);
    let not_a_member = pairing(PairingKind::OldToNew, &[old], activist, "2025-09-01");
    w.when(|s, _| form_pairing(s, not_a_member)).then_refuses("menteeId");
}

#[test]
fn an_old_member_is_full_and_joined_before_the_new_one() {
    let (mut w, old, new) = old_and_new();
    let school = w.school();
    // Joined (probationary) 2024-05-01, full 2025-05-01: after the mentee's 2024-03-01.
    let later = w.register_since(&[school], Stage::Probationary, "2024-05-01");
    w.change_stage(later, Stage::Full, "2025-05-01");
    let joined_after = pairing(PairingKind::OldToNew, &[old, later], new, "2025-09-01");
    let message = w.when(|s, _| form_pairing(s, joined_after)).then_refuses("mentorIds");
    assert!(message.contains("老党员在加入党组织的时间上比新党员更早"), "{message}");
    // Joined the same day is not earlier.
    let same_day = w.register_since(&[school], Stage::Probationary, "2024-03-01");
    w.change_stage(same_day, Stage::Full, "2025-03-01");
    let together = pairing(PairingKind::OldToNew, &[same_day], new, "2025-09-01");
    w.when(|s, _| form_pairing(s, together)).then_refuses("mentorIds");
    // Probationary since 2023-01-01 joined earlier, but is no full member on 2024-09-01.
    let probationary = w.register_since(&[school], Stage::Probationary, "2023-01-01");
    let not_full = pairing(PairingKind::OldToNew, &[probationary], new, "2024-09-01");
    w.when(|s, _| form_pairing(s, not_full)).then_refuses("mentorIds");
    // Registered full since 2020-07-01 with no probationary day: joined 2020-07-01.
    let veteran = w.register_since(&[school], Stage::Full, "2020-07-01");
    let both_old = pairing(PairingKind::OldToNew, &[old, veteran], new, "2025-09-01");
    w.when(|s, _| form_pairing(s, both_old)).then_decided();
}

#[test]
fn an_old_member_mentors_two_new_members_at_a_time() {
    let (mut w, old, first) = old_and_new();
    let school = w.school();
    let second = w.register_since(&[school], Stage::Probationary, "2025-01-10");
    let third = w.register_since(&[school], Stage::Probationary, "2025-01-10");
    let one = pairing(PairingKind::OldToNew, &[old], first, "2025-09-01");
    let first_pairing = one.id;
    w.when(|s, _| form_pairing(s, one)).then_applied();
    let two = pairing(PairingKind::OldToNew, &[old], second, "2025-09-01");
    w.when(|s, _| form_pairing(s, two)).then_applied();
    let three = pairing(PairingKind::OldToNew, &[old], third, "2025-09-01");
    let message = w.when(|s, _| form_pairing(s, three)).then_refuses("mentorIds");
    assert!(message.contains("一名老党员帮扶2名新党员"), "{message}");
    // Once the first pairing ends (2025-12-31), a new one may start the day after.
    w.end_pairing(first_pairing, "2025-12-31");
    let after = pairing(PairingKind::OldToNew, &[old], third, "2026-01-01");
    w.when(|s, _| form_pairing(s, after)).then_decided();
}

#[test]
fn a_cultivation_contact_is_one_full_member_for_an_activist() {
    let mut w = World::new();
    let activist = at_stage(&mut w, Stage::Activist);
    let full = at_stage(&mut w, Stage::Full);
    let ok = pairing(PairingKind::CultivationContact, &[full], activist, "2025-09-01");
    w.when(|s, _| form_pairing(s, ok)).then_decided();
    let other = at_stage(&mut w, Stage::Full);
    let two = pairing(PairingKind::CultivationContact, &[full, other], activist, "2025-09-01");
    w.when(|s, _| form_pairing(s, two)).then_refuses("mentorIds");
    let probationary = at_stage(&mut w, Stage::Probationary);
    let not_full = pairing(PairingKind::CultivationContact, &[probationary], activist, "2025-09-01");
    let message = w.when(|s, _| form_pairing(s, not_full)).then_refuses("mentorIds");
    assert!(message.contains("正式党员"), "{message}");
    for stage in [Stage::Applicant, Stage::DevelopmentTarget, Stage::Probationary] {
        let mentee = at_stage(&mut w, stage);
        let input = pairing(PairingKind::CultivationContact, &[full], mentee, "2025-09-01");
        w.when(|s, _| form_pairing(s, input)).then_refuses("menteeId");
    }
}

#[test]
fn two_or_three_members_mentor_a_league_branch() {
    let mut w = World::new();
    let campus = w.campus();
    let league = w.unit(OrgUnitKind::LeagueBranch, Some(campus.college));
    let m: Vec<Uuid> = (0..4).map(|_| at_stage(&mut w, Stage::Probationary)).collect();
    let one = pairing(PairingKind::MemberToLeagueBranch, &m[..1], league, "2025-09-01");
    let message = w.when(|s, _| form_pairing(s, one)).then_refuses("mentorIds");
    assert!(message.contains("2或3名"), "{message}");
    let four = pairing(PairingKind::MemberToLeagueBranch, &m, league, "2025-09-01");
    w.when(|s, _| form_pairing(s, four)).then_refuses("mentorIds");
    for n in [2, 3] {
        let ok = pairing(PairingKind::MemberToLeagueBranch, &m[..n], league, "2025-09-01");
        w.when(|s, _| form_pairing(s, ok)).then_decided();
    }
    let activist = at_stage(&mut w, Stage::Activist);
    let with_activist = pairing(
        PairingKind::MemberToLeagueBranch,
        &[m[0], activist],
        league,
        "2025-09-01",
    );
    w.when(|s, _| form_pairing(s, with_activist)).then_refuses("mentorIds");
}

#[test]
fn an_id_of_the_wrong_sort_says_what_it_is() {
    let mut w = World::new();
    let campus = w.campus();
    let league = w.unit(OrgUnitKind::LeagueBranch, Some(campus.college));
    let (m1, m2) = (at_stage(&mut w, Stage::Full), at_stage(&mut w, Stage::Full));
    let student = at_stage(&mut w, Stage::NonParty);
    let person_for_league = pairing(PairingKind::MemberToLeagueBranch, &[m1, m2], student, "2025-09-01");
    let message = w
        .when(|s, _| form_pairing(s, person_for_league))
        .then_refuses("menteeId");
    assert!(
        message.ends_with("is a person; a League branch pairing needs a League branch"),
        "{message}"
    );
    let class_for_league = pairing(PairingKind::MemberToLeagueBranch, &[m1, m2], campus.class, "2025-09-01");
    let message = w
        .when(|s, _| form_pairing(s, class_for_league))
        .then_refuses("menteeId");
    assert!(message.contains("is a class"), "{message}");
    let league_for_one = pairing(PairingKind::OneToOne, &[m1], league, "2025-09-01");
    w.when(|s, _| form_pairing(s, league_for_one)).then_refuses("menteeId");
    let unit_as_mentor = pairing(PairingKind::OneToOne, &[campus.branch], student, "2025-09-01");
    let message = w.when(|s, _| form_pairing(s, unit_as_mentor)).then_refuses("mentorIds");
    assert!(message.contains("is a branch"), "{message}");
    let other = w.unit(OrgUnitKind::Branch, Some(campus.college));
    let person_as_branch = pairing(PairingKind::BranchToBranch, &[m1], other, "2025-09-01");
    w.when(|s, _| form_pairing(s, person_as_branch))
        .then_refuses("mentorIds");
    let branches = pairing(PairingKind::BranchToBranch, &[campus.branch], other, "2025-09-01");
    w.when(|s, _| form_pairing(s, branches)).then_decided();
    // NOT_FOUND only for an id that names nothing.
    let nothing = pairing(PairingKind::OneToOne, &[m1], Uuid::from_u128(404), "2025-09-01");
    w.when(|s, _| form_pairing(s, nothing)).then_not_found();
    let no_branch = pairing(
        PairingKind::MemberToLeagueBranch,
        &[m1, m2],
        Uuid::from_u128(404),
        "2025-09-01",
    );
    w.when(|s, _| form_pairing(s, no_branch)).then_not_found();
}

//! volunteer-week: seed 003 办法一 三(五) 「做好一週義工」, over the calendar year.

use super::*;
use crate::testkit::*;
use crate::time::PeriodKind;

/// `n` sessions of `hours` each, on days 1 to `n` of `month` (`2026-03`).
fn sessions(w: &mut World, person: Uuid, month: &str, n: u32, hours: f64) {
    for d in 1..=n {
        w.volunteer(person, &format!("{month}-{d:02}"), hours);
    }
}

#[test]
fn thirty_five_hours_and_eighteen_sessions_in_the_calendar_year_meet_it() {
    let rubric = preset_of("volunteer-week");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    // Given a member with 17 sessions of 2 h in March and one of 1 h on 31 December 2026.
    let m = w.register(&[college, branch], Stage::Full);
    sessions(&mut w, m, "2026-03", 17, 2.0);
    let last = w.volunteer(m, "2026-12-31", 1.0);
    // When assessed over 2026: 「一年工作總時間達35小時,工作次數不少於18次」:
    // 17 × 2 + 1 = 35 h (達 35: at least 35) and 17 + 1 = 18 sessions (不少於 18: at least 18)
    // → met → 100, QUALIFIED (a requirement: nobody is commended by score).
    let a = w.assess(&rubric, m, "2026");
    assert_eq!((a.total, a.band), (100.0, Band::Qualified));
    let evidence = &item(&a, "volunteer_week").evidence;
    assert_eq!(evidence.len(), 18);
    assert!(evidence.contains(&last));
}

#[test]
fn the_day_after_the_year_ends_is_the_next_year() {
    let rubric = preset_of("volunteer-week");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    // Given the same 17 sessions of 2 h in March 2026, and the 18th (1 h) on 1 January 2027.
    let m = w.register(&[college, branch], Stage::Full);
    sessions(&mut w, m, "2026-03", 17, 2.0);
    w.volunteer(m, "2027-01-01", 1.0);
    // 2026: 34 h < 35 and 17 sessions < 18 → 0, UNQUALIFIED (未達到要求).
    let a = w.assess(&rubric, m, "2026");
    assert_eq!((a.total, a.band), (0.0, Band::Unqualified));
    // 2027: 1 h, 1 session → 0.
    assert_eq!(w.assess(&rubric, m, "2027").total, 0.0);
}

#[test]
fn hours_without_the_sessions_or_sessions_without_the_hours_do_not_meet_it() {
    let rubric = preset_of("volunteer-week");
    let mut w = World::new();
    let Campus { college, branch, .. } = w.campus();
    // 10 sessions of 4 h: 40 h ≥ 35 but 10 sessions < 18 (「分時分次完成」: both) → 0.
    let long = w.register(&[college, branch], Stage::Full);
    sessions(&mut w, long, "2026-04", 10, 4.0);
    assert_eq!(w.assess(&rubric, long, "2026").total, 0.0);
    // 20 sessions of 1 h: 20 sessions ≥ 18 but 20 h < 35 → 0.
    let short = w.register(&[college, branch], Stage::Full);
    sessions(&mut w, short, "2026-05", 20, 1.0);
    assert_eq!(w.assess(&rubric, short, "2026").total, 0.0);
    // 18 sessions of 2 h across the academic years' boundary (August and September):
    // 36 h, 18 sessions, all in 2026 → 100.
    let across = w.register(&[college, branch], Stage::Full);
    sessions(&mut w, across, "2026-08", 9, 2.0);
    sessions(&mut w, across, "2026-09", 9, 2.0);
    assert_eq!(w.assess(&rubric, across, "2026").total, 100.0);
}

#[test]
fn it_is_assessed_over_calendar_years_only_and_assesses_party_members() {
    // 四 「每次為期一年,以自然年度為限」.
    let rubric = preset_of("volunteer-week");
    assert_eq!(rubric.periods(), [PeriodKind::CalendarYear]);
    assert!(rubric.takes(period("2025-2026")).is_err());
    assert!(rubric.takes(period("2025-2026-1")).is_err());
    // 「每個學生黨員」: probationary and full members.
    assert_eq!(rubric.population(), Population::PartyMembers);
}

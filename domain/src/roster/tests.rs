//! Given a world, when a roster is planned into a unit, then these registrations or these
//! wrong rows. "Now" is the test kit's: 2026-06-30 in Shanghai.

use super::*;
use crate::Event;
use crate::testkit::*;
use crate::vocab::Role;

/// A sheet: the header, then rows numbered from 2 as a spreadsheet numbers them.
fn sheet(header: &[&str], rows: &[&[&str]]) -> Sheet {
    Sheet {
        header: header.iter().map(|h| (*h).to_owned()).collect(),
        rows: rows
            .iter()
            .zip(2..)
            .map(|(cells, number)| SheetRow {
                number,
                cells: cells.iter().map(|c| (*c).to_owned()).collect(),
            })
            .collect(),
    }
}

/// Plans the import as `subject` (an administrator with `admin`).
fn import(w: &World, subject: &str, admin: bool, unit: Uuid, sheet: &Sheet) -> Result<Plan, RosterError> {
    let caller = Caller::new(w.state(), subject, admin);
    let mut next = 5_000u128;
    let mut new_id = || {
        next += 1;
        Uuid::from_u128(next)
    };
    plan(w.state(), &caller, unit, sheet, w.now, &mut new_id)
}

fn as_admin(w: &World, unit: Uuid, sheet: &Sheet) -> Result<Plan, RosterError> {
    import(w, "admin", true, unit, sheet)
}

/// The wrong rows as (row, column, message).
fn wrong(result: Result<Plan, RosterError>) -> Vec<(u32, Option<String>, String)> {
    match result {
        Err(RosterError::Rows(errors)) => errors.into_iter().map(|e| (e.row, e.column, e.message)).collect(),
        other => panic!("expected wrong rows, got {other:?}"),
    }
}

fn applied(result: Result<Plan, RosterError>, w: &mut World) -> Plan {
    let plan = result.unwrap_or_else(|e| panic!("expected a plan, got {e:?}"));
    for decision in plan.decisions.clone() {
        w.apply(decision);
    }
    plan
}

const HEADER: &[&str] = &[
    "姓名",
    "学号",
    "政治面貌",
    "阶段起始日期",
    "班级",
    "党支部",
    "联系方式",
    "邮箱",
    "重点培养对象",
];

#[test]
fn a_good_roster_registers_every_row_and_creates_the_classes_it_names() {
    // Given a college with a branch named "Branch"; when two students of a new class and a
    // member of the existing branch are imported (columns in another order than the template).
    let mut w = World::new();
    let campus = w.campus();
    let roster = sheet(
        HEADER,
        &[
            &[
                "张三",
                "2023001",
                "入党积极分子",
                "2025/9/1",
                "计科2301",
                "",
                "13800138000",
                "zs@example.edu.cn",
                "是",
            ],
            &["李四", "2023002", "共青团员", "", "计科2301", "", "", "", ""],
            &["王五", "2023003", "中共党员", "2024-06-01", "", "Branch", "", "", "否"],
            &["", "", "", "", "", "", "", "", ""],
        ],
    );
    let plan = applied(as_admin(&w, campus.college, &roster), &mut w);
    // Then three people, one class created below the college, nothing unchanged.
    assert_eq!((plan.created, plan.unchanged, plan.units_created), (3, 0, 1));
    let state = w.state();
    let zhang = state.person_by_number("2023001").expect("张三 registered");
    assert_eq!(zhang.name, "张三");
    assert_eq!(zhang.stage, Stage::Activist);
    assert_eq!(zhang.stage_since, Some(day("2025-09-01")));
    assert!(zhang.key_cultivation_target);
    assert_eq!(zhang.contact.as_deref(), Some("13800138000"));
    assert_eq!(zhang.email.as_deref(), Some("zs@example.edu.cn"));
    let class = state.org_unit(zhang.org_unit_ids[0]).expect("the new class");
    assert_eq!((class.kind, class.name.as_str()), (OrgUnitKind::Class, "计科2301"));
    assert_eq!(class.parent_id, Some(campus.college));
    let li = state.person_by_number("2023002").expect("李四 registered");
    assert_eq!(
        (li.stage, li.org_unit_ids.as_slice()),
        (Stage::NonParty, zhang.org_unit_ids.as_slice())
    );
    let wang = state.person_by_number("2023003").expect("王五 registered");
    assert_eq!(
        (wang.stage, wang.org_unit_ids.as_slice()),
        (Stage::Full, &[campus.branch][..])
    );
}

#[test]
fn a_row_naming_no_class_or_branch_joins_the_unit_and_the_number_may_be_a_staff_number() {
    let mut w = World::new();
    let campus = w.campus();
    let roster = sheet(&["工号", "姓名"], &[&["T001", "赵老师"]]);
    let plan = applied(as_admin(&w, campus.college, &roster), &mut w);
    assert_eq!(plan.created, 1);
    let person = w.state().person_by_number("T001").expect("registered");
    assert_eq!(
        (person.org_unit_ids.as_slice(), person.stage),
        (&[campus.college][..], Stage::NonParty)
    );
}

#[test]
fn every_wrong_cell_is_named_by_row_and_column_and_nothing_is_decided() {
    let w = World::new_with_campus();
    let roster = sheet(
        &["学号", "姓名", "政治面貌", "阶段起始日期", "邮箱", "重点培养对象"],
        &[
            &["2023001", "张三", "积极分子", "2025-13-01", "zs-at-example", ""],
            &["2023002", "", "", "2026-07-01", "", "也许"],
            &["2023003", "王五", "群众", "", "", "是"],
            &["2023004", "好", "", "", "", ""],
        ],
    );
    let errors = wrong(as_admin(&w, w.college(), &roster));
    let col = |c: &str| Some(c.to_owned());
    let cells: Vec<(u32, Option<String>)> = errors.iter().map(|(r, c, _)| (*r, c.clone())).collect();
    assert_eq!(
        cells,
        [
            (2, col("政治面貌")),
            (2, col("阶段起始日期")),
            (2, col("邮箱")),
            (3, col("姓名")),
            (3, col("阶段起始日期")),
            (3, col("重点培养对象")),
            (4, col("重点培养对象")),
        ]
    );
    assert!(errors[0].2.contains("无法识别的政治面貌“积极分子”"), "{errors:?}");
    assert!(errors[1].2.contains("无法识别的日期“2025-13-01”"), "{errors:?}");
    assert_eq!(errors[3].2, "姓名不能为空");
    assert!(errors[4].2.contains("晚于今天（2026-06-30）"), "{errors:?}");
    assert_eq!(errors[6].2, "只有入党积极分子可以是重点培养对象");
}

#[test]
fn a_number_twice_in_a_file_is_wrong_on_the_later_row() {
    let w = World::new_with_campus();
    let roster = sheet(&["学号", "姓名"], &[&["1", "甲"], &["2", "乙"], &["1", "丙"]]);
    let errors = wrong(as_admin(&w, w.college(), &roster));
    assert_eq!(errors, [(4, Some("学号".into()), "学号“1”与第2行重复".into())]);
}

#[test]
fn missing_required_columns_are_one_error_each_on_the_header() {
    let w = World::new_with_campus();
    let errors = wrong(as_admin(&w, w.college(), &sheet(&["班级", "备注"], &[&["一班", "x"]])));
    assert_eq!(
        errors,
        [
            (1, Some("学号".into()), "缺少必填列“学号”（或“工号”）".into()),
            (1, Some("姓名".into()), "缺少必填列“姓名”".into()),
        ]
    );
    let errors = wrong(as_admin(&w, w.college(), &sheet(&["学号", "姓名", "工号"], &[])));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].1.as_deref(), Some("工号"));
}

#[test]
fn importing_the_same_roster_again_decides_nothing_and_counts_it_unchanged() {
    let mut w = World::new();
    let campus = w.campus();
    let roster = sheet(
        HEADER,
        &[
            &[
                "张三",
                "2023001",
                "入党积极分子",
                "2025-09-01",
                "计科2301",
                "新支部",
                "138",
                "zs@example.edu.cn",
                "是",
            ],
            &["李四", "2023002", "", "", "", "", "", "", ""],
        ],
    );
    applied(as_admin(&w, campus.college, &roster), &mut w);
    let again = as_admin(&w, campus.college, &roster).expect("the same file again");
    assert_eq!((again.created, again.unchanged, again.units_created), (0, 2, 0));
    assert!(again.decisions.is_empty());
}

#[test]
fn a_row_that_contradicts_a_registration_is_wrong() {
    let mut w = World::new();
    let campus = w.campus();
    let first = sheet(
        HEADER,
        &[&[
            "张三",
            "2023001",
            "入党积极分子",
            "2025-09-01",
            "Class",
            "",
            "",
            "",
            "是",
        ]],
    );
    applied(as_admin(&w, campus.college, &first), &mut w);
    let other = sheet(
        HEADER,
        &[&["张叁", "2023001", "发展对象", "2025-09-02", "二班", "", "139", "", "否"]],
    );
    let errors = wrong(as_admin(&w, campus.college, &other));
    let columns: Vec<&str> = errors.iter().filter_map(|(_, c, _)| c.as_deref()).collect();
    assert_eq!(
        columns,
        ["姓名", "政治面貌", "阶段起始日期", "班级", "联系方式", "重点培养对象"]
    );
    assert!(errors[0].2.contains("已登记为“张三”"), "{errors:?}");
    assert!(errors[1].2.contains("changeStage"), "{errors:?}");
    assert!(errors[4].2.contains("导入不会补录"), "{errors:?}");
}

#[test]
fn a_number_held_by_someone_the_caller_may_not_see_says_only_that_it_is_taken() {
    // Given a counsellor of one college and a student of another; when the counsellor's
    // roster names that student's number; then it is taken, and the name is not told.
    let mut w = World::new();
    let campus = w.campus();
    let other = w.unit(OrgUnitKind::College, Some(campus.school));
    let hidden = w.register_as("隐藏", &[other], Stage::NonParty, None);
    let number = w.person(hidden).number.clone();
    let counsellor = w.register(&[campus.college], Stage::Full);
    w.assign_role(counsellor, Role::Counsellor, campus.college);
    let subject = w.person(counsellor).number.clone();
    let roster = sheet(&["学号", "姓名"], &[&[number.as_str(), "隐藏"]]);
    let errors = wrong(import(&w, &subject, false, campus.college, &roster));
    assert_eq!(errors, [(2, Some("学号".into()), format!("学号“{number}”已被登记"))]);
}

#[test]
fn a_counsellor_registers_into_existing_classes_but_creates_none() {
    let mut w = World::new();
    let campus = w.campus();
    let counsellor = w.register(&[campus.college], Stage::Full);
    w.assign_role(counsellor, Role::Counsellor, campus.college);
    let subject = w.person(counsellor).number.clone();
    let good = sheet(&["学号", "姓名", "班级"], &[&["1", "甲", "Class"]]);
    let plan = applied(import(&w, &subject, false, campus.college, &good), &mut w);
    assert_eq!((plan.created, plan.units_created), (1, 0));
    let new_class = sheet(&["学号", "姓名", "班级"], &[&["2", "乙", "二班"]]);
    let errors = wrong(import(&w, &subject, false, campus.college, &new_class));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].2.contains("新建班级需要学院党委或管理员的权限"), "{errors:?}");
    // And outside their college they register no one.
    let other = w.unit(OrgUnitKind::College, Some(campus.school));
    let errors = wrong(import(
        &w,
        &subject,
        false,
        other,
        &sheet(&["学号", "姓名"], &[&["3", "丙"]]),
    ));
    assert_eq!(errors[0].1, None);
}

#[test]
fn register_persons_own_rules_hold_for_imported_people() {
    // The roster's bounds are registerPerson's, said in Chinese on the row.
    let w = World::new_with_campus();
    let long = "名".repeat(MAX_NAME + 1);
    let errors = wrong(as_admin(
        &w,
        w.college(),
        &sheet(&["学号", "姓名"], &[&["1", long.as_str()]]),
    ));
    assert_eq!(
        errors,
        [(2, Some("姓名".into()), format!("姓名不能超过{MAX_NAME}个字符"))]
    );
    // A refusal of registerPerson itself lands on its row and column.
    let refusal = DomainError::bad("email", "is not an e-mail address");
    let mut problems = Problems {
        columns: &Columns::read(&["学号".into(), "姓名".into(), "邮箱".into()]).expect("columns"),
        errors: Vec::new(),
    };
    let row = Row {
        row: 7,
        number: "1".into(),
        name: "甲".into(),
        stage: None,
        since: None,
        class: None,
        branch: None,
        contact: None,
        email: None,
        key_target: None,
    };
    refused_registration(&row, refusal, &mut problems);
    assert_eq!(problems.errors[0].row, 7);
    assert_eq!(problems.errors[0].column.as_deref(), Some("邮箱"));
}

#[test]
fn a_class_of_one_name_in_two_places_is_ambiguous_unless_one_is_directly_below() {
    let mut w = World::new();
    let campus = w.campus();
    // "Class" directly below the college, and another "Class" below its branch.
    w.unit(OrgUnitKind::Class, Some(campus.branch));
    let plan = as_admin(
        &w,
        campus.college,
        &sheet(&["学号", "姓名", "班级"], &[&["1", "甲", "Class"]]),
    )
    .expect("the direct child wins");
    let Event::PersonRegistered { org_unit_ids, .. } = &plan.decisions[0].events[0] else {
        panic!("not a registration");
    };
    assert_eq!(org_unit_ids, &[campus.class]);
    // From the school, both lie below and neither directly.
    let errors = wrong(as_admin(
        &w,
        campus.school,
        &sheet(&["学号", "姓名", "班级"], &[&["1", "甲", "Class"]]),
    ));
    assert!(errors[0].2.contains("多个名为“Class”的班级"), "{errors:?}");
}

#[test]
fn dates_are_read_in_the_ways_people_write_them() {
    for text in ["2025-09-01", "2025/9/1", "2025.9.1", "2025年9月1日", "2025-9-01"] {
        assert_eq!(parse_day(text), Some(day("2025-09-01")), "{text}");
    }
    for text in ["2025-9", "9/1/2025", "45901", "二〇二五年九月一日"] {
        assert_eq!(parse_day(text), None, "{text}");
    }
}

#[test]
fn more_rows_than_the_limit_are_refused_whole() {
    let w = World::new_with_campus();
    let mut roster = sheet(&["学号", "姓名"], &[]);
    roster.rows = (0..=MAX_ROWS as u32)
        .map(|i| SheetRow {
            number: i + 2,
            cells: vec![i.to_string(), "某".into()],
        })
        .collect();
    let errors = wrong(as_admin(&w, w.college(), &roster));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, MAX_ROWS as u32 + 2);
}

#[test]
fn an_unknown_unit_is_not_found() {
    let w = World::new();
    let result = as_admin(&w, Uuid::from_u128(1), &sheet(&["学号", "姓名"], &[]));
    assert!(
        matches!(result, Err(RosterError::Domain(DomainError::NotFound { .. }))),
        "{result:?}"
    );
}

impl World {
    /// A world with a campus, for the tests that import into its college.
    fn new_with_campus() -> World {
        let mut w = World::new();
        w.campus();
        w
    }

    /// The campus's college (the second unit recorded).
    fn college(&self) -> Uuid {
        self.state()
            .org_unit(Uuid::from_u128(1001))
            .and_then(|school| school.children.first().copied())
            .expect("a campus")
    }
}

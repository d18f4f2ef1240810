//! 花名册: a roster spreadsheet's rows as registrations (issue 13.1, DESIGN §9). The file is
//! read elsewhere (XLSX or CSV, into a [`Sheet`] of text cells); here each row becomes the
//! same `registerPerson` a person would send, decided in one [`Batch`] with the classes and
//! branches it names, or the rows that are wrong, each with its column and the reason in
//! Chinese. All or nothing: a plan with any wrong row decides nothing.
//!
//! - Columns are found by their header in row 1 ([`Column::of_header`]), in any order;
//!   学号 (or 工号) and 姓名 are required, the others optional, unknown headers ignored.
//! - A row whose 学号 is registered already must agree with the registration in every cell
//!   it fills: then it is unchanged (so importing a file again appends nothing); otherwise
//!   it is wrong (stages change through `changeStage`). A caller who may not see that person
//!   is told only that the number is taken, as `registerPerson` tells them.
//! - A 班级 (CLASS) or 党支部 (BRANCH) is looked up by name among the units below the
//!   import's unit; one that is not there is created directly below it, which needs the
//!   right to shape the organisation there, as `createOrgUnit` does.
//! - Each new person joins the class and the branch their row names, or the import's unit
//!   when it names neither; registering needs [`Right::Register`] over each, as
//!   `registerPerson` does.

use crate::access::{Caller, Right};
use crate::decide::{
    self, Batch, CreateOrgUnit, MAX_CONTACT, MAX_EMAIL, MAX_NAME, MAX_NUMBER, RegisterPerson, is_email,
};
use crate::error::DomainError;
use crate::state::{Person, State};
use crate::vocab::{OrgUnitKind, Stage};
use crate::{Decision, time};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Most data rows one import takes (a college's roster is a few thousand).
pub const MAX_ROWS: usize = 10_000;

/// The columns a roster may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Number,
    Name,
    Stage,
    StageSince,
    Class,
    Branch,
    Contact,
    Email,
    KeyTarget,
}

impl Column {
    /// In the template's order.
    pub const ALL: [Column; 9] = [
        Column::Number,
        Column::Name,
        Column::Stage,
        Column::StageSince,
        Column::Class,
        Column::Branch,
        Column::Contact,
        Column::Email,
        Column::KeyTarget,
    ];

    /// The header the template writes.
    pub fn header(self) -> &'static str {
        match self {
            Column::Number => "学号",
            Column::Name => "姓名",
            Column::Stage => "政治面貌",
            Column::StageSince => "阶段起始日期",
            Column::Class => "班级",
            Column::Branch => "党支部",
            Column::Contact => "联系方式",
            Column::Email => "邮箱",
            Column::KeyTarget => "重点培养对象",
        }
    }

    /// The column a header names (`工号` is the number column too); surrounding spaces do
    /// not count.
    pub fn of_header(text: &str) -> Option<Column> {
        match text.trim() {
            "工号" => Some(Column::Number),
            header => Column::ALL.into_iter().find(|c| c.header() == header),
        }
    }

    /// What the template's second sheet says of the column.
    pub fn explanation(self) -> &'static str {
        match self {
            Column::Number => "必填。学号（教职工填工号，表头也可写“工号”），全校唯一；同一文件中不得重复",
            Column::Name => "必填。姓名",
            Column::Stage => {
                "选填，默认群众。可填：群众、共青团员、入党申请人、入党积极分子、发展对象、预备党员、中共党员（或正式党员）"
            }
            Column::StageSince => {
                "选填。进入当前阶段的日期，如 2025-09-01 或 2025/9/1，也可以是 Excel 日期；不得晚于今天"
            }
            Column::Class => "选填。班级名称；本单位下没有的班级会新建",
            Column::Branch => "选填。党支部名称；本单位下没有的党支部会新建",
            Column::Contact => "选填。手机号、微信号等，不超过100个字符",
            Column::Email => "选填。电子邮箱，如 name@example.edu.cn",
            Column::KeyTarget => "选填，是 或 否（默认否）。只有入党积极分子可以是重点培养对象",
        }
    }
}

/// The 政治面貌 a roster may name, and the stage each is.
pub const STAGE_NAMES: &[(&str, Stage)] = &[
    ("群众", Stage::NonParty),
    ("共青团员", Stage::NonParty),
    ("入党申请人", Stage::Applicant),
    ("入党积极分子", Stage::Activist),
    ("发展对象", Stage::DevelopmentTarget),
    ("预备党员", Stage::Probationary),
    ("中共党员", Stage::Full),
    ("正式党员", Stage::Full),
];

/// A stage's name in a message.
pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::NonParty => "群众",
        Stage::Applicant => "入党申请人",
        Stage::Activist => "入党积极分子",
        Stage::DevelopmentTarget => "发展对象",
        Stage::Probationary => "预备党员",
        Stage::Full => "正式党员",
    }
}

/// A sheet as read from the file: row 1's cells, then the data rows as the spreadsheet
/// numbers them (the header is row 1), each cell as text (`""` when empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<SheetRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SheetRow {
    pub number: u32,
    pub cells: Vec<String>,
}

/// A wrong row: its number, the header of the column at fault (as the file spells it;
/// `None` for the row as a whole) and why, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub row: u32,
    pub column: Option<String>,
    pub message: String,
}

/// What an import decided: the units to create and the people to register, in one batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// People registered.
    pub created: usize,
    /// Rows of people registered already, who agree with the registration.
    pub unchanged: usize,
    /// Classes and branches created.
    pub units_created: usize,
    /// Units first, then people, in row order: appended together.
    pub decisions: Vec<Decision>,
}

/// Why nothing is imported.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RosterError {
    /// The import's unit does not exist.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Rows are wrong (by row, then in the template's column order).
    #[error("{} problems in the roster, the first in row {}", .0.len(), .0.first().map_or(0, |e| e.row))]
    Rows(Vec<RowError>),
}

/// One row's cells, read and checked.
struct Row {
    row: u32,
    number: String,
    name: String,
    stage: Option<Stage>,
    since: Option<NaiveDate>,
    class: Option<String>,
    branch: Option<String>,
    contact: Option<String>,
    email: Option<String>,
    key_target: Option<bool>,
}

/// Where each column stands in the sheet, and its header as the file spells it.
struct Columns(HashMap<Column, (usize, String)>);

impl Columns {
    fn read(header: &[String]) -> Result<Columns, Vec<RowError>> {
        let mut found: HashMap<Column, (usize, String)> = HashMap::new();
        let mut errors = Vec::new();
        for (index, text) in header.iter().enumerate() {
            let Some(column) = Column::of_header(text) else {
                continue;
            };
            let text = text.trim().to_owned();
            match found.get(&column) {
                Some((_, first)) => errors.push(RowError {
                    row: 1,
                    column: Some(text.clone()),
                    message: if *first == text {
                        format!("表头“{text}”出现了两次，只能有一列")
                    } else {
                        format!("表头“{text}”与“{first}”是同一列，只能有一列")
                    },
                }),
                None => {
                    found.insert(column, (index, text));
                }
            }
        }
        for (column, missing) in [
            (Column::Number, "缺少必填列“学号”（或“工号”）"),
            (Column::Name, "缺少必填列“姓名”"),
        ] {
            if !found.contains_key(&column) {
                errors.push(RowError {
                    row: 1,
                    column: Some(column.header().to_owned()),
                    message: missing.to_owned(),
                });
            }
        }
        if errors.is_empty() {
            Ok(Columns(found))
        } else {
            Err(errors)
        }
    }

    /// The header of a column as the file spells it.
    fn header(&self, column: Column) -> String {
        self.0
            .get(&column)
            .map_or_else(|| column.header().to_owned(), |(_, text)| text.clone())
    }

    fn cell<'r>(&self, row: &'r SheetRow, column: Column) -> &'r str {
        self.0
            .get(&column)
            .and_then(|(index, _)| row.cells.get(*index))
            .map_or("", |cell| cell.trim())
    }
}

/// What the rows of one import need to report problems.
struct Problems<'c> {
    columns: &'c Columns,
    errors: Vec<RowError>,
}

impl Problems<'_> {
    fn add(&mut self, row: u32, column: Option<Column>, message: impl Into<String>) {
        self.errors.push(RowError {
            row,
            column: column.map(|c| self.columns.header(c)),
            message: message.into(),
        });
    }
}

/// Plans an import into `unit` for `caller`. `new_id` mints the ids of new units and people
/// (the caller's: nothing here is random).
pub fn plan(
    state: &State,
    caller: &Caller<'_>,
    unit: Uuid,
    sheet: &Sheet,
    now: DateTime<Utc>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Plan, RosterError> {
    if state.org_unit(unit).is_none() {
        return Err(DomainError::not_found("org unit", unit).into());
    }
    let columns = Columns::read(&sheet.header).map_err(RosterError::Rows)?;
    if let Some(over) = sheet.rows.get(MAX_ROWS) {
        return Err(RosterError::Rows(vec![RowError {
            row: over.number,
            column: None,
            message: format!("一次最多导入{MAX_ROWS}行，请分成几个文件"),
        }]));
    }
    let mut problems = Problems {
        columns: &columns,
        errors: Vec::new(),
    };
    let mut first_row: HashMap<String, u32> = HashMap::new();
    let mut rows = Vec::new();
    for sheet_row in &sheet.rows {
        if sheet_row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(row) = read_row(&columns, sheet_row, now, &mut problems) else {
            continue;
        };
        if let Some(first) = first_row.get(&row.number) {
            problems.add(
                row.row,
                Some(Column::Number),
                format!("学号“{}”与第{first}行重复", row.number),
            );
            continue;
        }
        first_row.insert(row.number.clone(), row.row);
        rows.push(row);
    }

    let units = Units::below(state, unit);
    let mut batch = Batch::new(state, now);
    let mut created_units: HashMap<(OrgUnitKind, String), Uuid> = HashMap::new();
    let may_shape = caller.may(Right::ShapeOrg(Some(unit)));
    let mut new_people = Vec::new();
    let mut unchanged = 0;
    for row in rows {
        if let Some(person) = state.person_by_number(&row.number) {
            if compare(state, caller, person, &row, &mut problems) {
                unchanged += 1;
            }
            continue;
        }
        let mut org_unit_ids = Vec::new();
        let mut wrong = false;
        for (kind, column, name) in [
            (OrgUnitKind::Class, Column::Class, &row.class),
            (OrgUnitKind::Branch, Column::Branch, &row.branch),
        ] {
            let Some(name) = name else { continue };
            let what = if kind == OrgUnitKind::Class {
                "班级"
            } else {
                "党支部"
            };
            match units.find(kind, name) {
                Found::One(id) => org_unit_ids.push(id),
                Found::Many => {
                    problems.add(
                        row.row,
                        Some(column),
                        format!("本单位下有多个名为“{name}”的{what}，无法确定是哪一个"),
                    );
                    wrong = true;
                }
                Found::None if !may_shape => {
                    problems.add(
                        row.row,
                        Some(column),
                        format!("本单位下没有名为“{name}”的{what}；新建{what}需要学院党委或管理员的权限"),
                    );
                    wrong = true;
                }
                Found::None => {
                    let key = (kind, name.clone());
                    let id = match created_units.get(&key) {
                        Some(id) => *id,
                        None => {
                            let id = new_id();
                            let input = CreateOrgUnit {
                                id,
                                kind,
                                name: name.clone(),
                                parent_id: Some(unit),
                            };
                            if let Err(e) = batch.decide(|s, _| decide::create_org_unit(s, input)) {
                                problems.add(row.row, Some(column), format!("无法新建{what}：{e}"));
                                wrong = true;
                                continue;
                            }
                            created_units.insert(key, id);
                            id
                        }
                    };
                    org_unit_ids.push(id);
                }
            }
        }
        if org_unit_ids.is_empty() && !wrong {
            org_unit_ids.push(unit);
        }
        // A unit this import creates lies directly below `unit`: registering into it is
        // registering below `unit`.
        let refused = org_unit_ids.iter().any(|u| {
            let over = if state.org_unit(*u).is_some() { *u } else { unit };
            !caller.may(Right::Register(over))
        });
        if refused {
            problems.add(
                row.row,
                None,
                "你无权向这些单位登记人员（需要本单位的党委、支部委员、党小组长或辅导员）",
            );
            continue;
        }
        if !wrong {
            new_people.push((row, org_unit_ids));
        }
    }
    let units_created = created_units.len();
    let mut created = 0;
    for (row, org_unit_ids) in new_people {
        let input = RegisterPerson {
            id: new_id(),
            number: row.number.clone(),
            name: row.name.clone(),
            org_unit_ids,
            stage: row.stage.unwrap_or(Stage::NonParty),
            stage_since: row.since,
            key_cultivation_target: row.key_target.unwrap_or(false),
            contact: row.contact.clone(),
            email: row.email.clone(),
        };
        match batch.decide(|s, now| decide::register_person(s, input, now)) {
            Ok(()) => created += 1,
            Err(refusal) => refused_registration(&row, refusal, &mut problems),
        }
    }
    if !problems.errors.is_empty() {
        let mut errors = problems.errors;
        // By row, then in the template's column order (the row as a whole first).
        errors.sort_by_key(|e| (e.row, e.column.as_deref().and_then(Column::of_header)));
        return Err(RosterError::Rows(errors));
    }
    Ok(Plan {
        created,
        unchanged,
        units_created,
        decisions: batch.into_decisions(),
    })
}

/// Reads one row's cells; every wrong cell is a problem, and then the row is `None`.
fn read_row(columns: &Columns, sheet_row: &SheetRow, now: DateTime<Utc>, problems: &mut Problems<'_>) -> Option<Row> {
    let row = sheet_row.number;
    let before = problems.errors.len();
    let mut text = |column: Column, max: usize, required: bool| -> Option<String> {
        let value = columns.cell(sheet_row, column);
        let header = columns.header(column);
        if value.is_empty() {
            if required {
                problems.add(row, Some(column), format!("{header}不能为空"));
            }
            return None;
        }
        if let Some(c) = value.chars().find(|c| is_forbidden(*c)) {
            problems.add(
                row,
                Some(column),
                format!("含有不可见的控制字符（U+{:04X}），请删去后再导入", c as u32),
            );
            return None;
        }
        if value.chars().count() > max {
            problems.add(row, Some(column), format!("{header}不能超过{max}个字符"));
            return None;
        }
        Some(value.to_owned())
    };
    let number = text(Column::Number, MAX_NUMBER, true);
    let name = text(Column::Name, MAX_NAME, true);
    let stage_text = text(Column::Stage, MAX_NAME, false);
    let since_text = text(Column::StageSince, MAX_NAME, false);
    let class = text(Column::Class, MAX_NAME, false);
    let branch = text(Column::Branch, MAX_NAME, false);
    let contact = text(Column::Contact, MAX_CONTACT, false);
    let email = text(Column::Email, MAX_EMAIL, false);
    let key_text = text(Column::KeyTarget, MAX_NAME, false);

    let stage = stage_text.and_then(|value| match STAGE_NAMES.iter().find(|(name, _)| *name == value) {
        Some((_, stage)) => Some(*stage),
        None => {
            let names: Vec<&str> = STAGE_NAMES.iter().map(|(name, _)| *name).collect();
            problems.add(
                row,
                Some(Column::Stage),
                format!("无法识别的政治面貌“{value}”，可填：{}", names.join("、")),
            );
            None
        }
    });
    let since = since_text.and_then(|value| match parse_day(&value) {
        None => {
            problems.add(
                row,
                Some(Column::StageSince),
                format!("无法识别的日期“{value}”，请写成 2025-09-01 或 2025/9/1"),
            );
            None
        }
        Some(day) if day < time::CALENDAR_START => {
            problems.add(row, Some(Column::StageSince), format!("日期{day}早于1949-01-01"));
            None
        }
        Some(day) if day > time::local_date(now) => {
            problems.add(
                row,
                Some(Column::StageSince),
                format!("日期{day}晚于今天（{}）", time::local_date(now)),
            );
            None
        }
        Some(day) => Some(day),
    });
    if email.as_deref().is_some_and(|e| !is_email(e)) {
        problems.add(
            row,
            Some(Column::Email),
            "不是有效的电子邮箱，应形如 name@example.edu.cn",
        );
    }
    let key_target = key_text.and_then(|value| match value.as_str() {
        "是" => Some(true),
        "否" => Some(false),
        _ => {
            problems.add(
                row,
                Some(Column::KeyTarget),
                format!("“{value}”无法识别，请填 是 或 否"),
            );
            None
        }
    });
    if key_target == Some(true) && stage != Some(Stage::Activist) && problems.errors.len() == before {
        problems.add(row, Some(Column::KeyTarget), "只有入党积极分子可以是重点培养对象");
    }
    if problems.errors.len() > before {
        return None;
    }
    Some(Row {
        row,
        number: number?,
        name: name?,
        stage,
        since,
        class,
        branch,
        contact,
        email,
        key_target,
    })
}

/// Control characters and bidirectional overrides, which no cell of a roster needs (the
/// API refuses them in every input too).
fn is_forbidden(c: char) -> bool {
    c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `2025-09-01`, `2025/9/1`, `2025.9.1` or `2025年9月1日` (an Excel date cell arrives as the
/// first).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
}

/// A row for someone registered already: true when it agrees with the registration in
/// every cell it fills, else each disagreement is a problem.
fn compare(state: &State, caller: &Caller<'_>, person: &Person, row: &Row, problems: &mut Problems<'_>) -> bool {
    if !caller.may(Right::ReadPerson(person.id)) {
        problems.add(row.row, Some(Column::Number), format!("学号“{}”已被登记", row.number));
        return false;
    }
    let before = problems.errors.len();
    let registered = "已登记";
    if person.name != row.name {
        problems.add(
            row.row,
            Some(Column::Name),
            format!(
                "学号“{}”{registered}为“{}”，与本行的“{}”不符",
                row.number, person.name, row.name
            ),
        );
    }
    if let Some(stage) = row.stage
        && stage != person.stage
    {
        problems.add(
            row.row,
            Some(Column::Stage),
            format!(
                "{registered}为{}，与本行的{}不符；阶段的变化请用“变更阶段”（changeStage）记录",
                stage_name(person.stage),
                stage_name(stage)
            ),
        );
    }
    if let Some(since) = row.since
        && person.stage_since != Some(since)
    {
        let known = person.stage_since.map_or("未填".to_owned(), |d| d.to_string());
        problems.add(
            row.row,
            Some(Column::StageSince),
            format!("{registered}的阶段起始日期为{known}，与本行的{since}不符"),
        );
    }
    if let Some(key) = row.key_target
        && key != person.key_cultivation_target
    {
        let yes_no = |b: bool| if b { "是" } else { "否" };
        problems.add(
            row.row,
            Some(Column::KeyTarget),
            format!(
                "{registered}的重点培养对象为“{}”，与本行的“{}”不符",
                yes_no(person.key_cultivation_target),
                yes_no(key)
            ),
        );
    }
    for (kind, column, name, what) in [
        (OrgUnitKind::Class, Column::Class, &row.class, "班级"),
        (OrgUnitKind::Branch, Column::Branch, &row.branch, "党支部"),
    ] {
        let Some(name) = name else { continue };
        let member = person
            .org_unit_ids
            .iter()
            .filter_map(|u| state.org_unit(*u))
            .any(|u| u.kind == kind && u.name == *name);
        if !member {
            problems.add(
                row.row,
                Some(column),
                format!("此人不在{what}“{name}”；导入不会调整已登记人员的单位"),
            );
        }
    }
    for (column, stated, known) in [
        (Column::Contact, &row.contact, &person.contact),
        (Column::Email, &row.email, &person.email),
    ] {
        if let Some(stated) = stated
            && known.as_ref() != Some(stated)
        {
            let header = problems.columns.header(column);
            let message = match known {
                Some(known) => format!("{registered}的{header}为“{known}”，与本行不符"),
                None => format!("登记时没有填写{header}，导入不会补录"),
            };
            problems.add(row.row, Some(column), message);
        }
    }
    problems.errors.len() == before
}

/// A registration `registerPerson` refused, as a problem of its row: the column of the field
/// it names.
fn refused_registration(row: &Row, refusal: DomainError, problems: &mut Problems<'_>) {
    let message = refusal.to_string();
    match refusal {
        DomainError::BadInput { field, .. } => {
            let column = match field {
                "number" => Some(Column::Number),
                "name" => Some(Column::Name),
                "stage" => Some(Column::Stage),
                "stageSince" => Some(Column::StageSince),
                "keyCultivationTarget" => Some(Column::KeyTarget),
                "contact" => Some(Column::Contact),
                "email" => Some(Column::Email),
                _ => None,
            };
            problems.add(row.row, column, format!("不符合登记规则：{message}"));
        }
        DomainError::Conflict(_) => {
            problems.add(row.row, Some(Column::Number), format!("学号“{}”已被登记", row.number));
        }
        DomainError::NotFound { .. } => problems.add(row.row, None, format!("无法登记：{message}")),
    }
}

/// The classes and branches below the import's unit, by kind and name.
struct Units {
    by_name: HashMap<(OrgUnitKind, String), Vec<Uuid>>,
    children: HashSet<Uuid>,
}

enum Found {
    One(Uuid),
    Many,
    None,
}

impl Units {
    fn below(state: &State, unit: Uuid) -> Units {
        let mut by_name: HashMap<(OrgUnitKind, String), Vec<Uuid>> = HashMap::new();
        let children: HashSet<Uuid> = state
            .org_unit(unit)
            .map(|u| u.children.iter().copied().collect())
            .unwrap_or_default();
        let mut todo = vec![unit];
        let mut seen = HashSet::from([unit]);
        while let Some(id) = todo.pop() {
            let Some(u) = state.org_unit(id) else { continue };
            if matches!(u.kind, OrgUnitKind::Class | OrgUnitKind::Branch) {
                by_name.entry((u.kind, u.name.clone())).or_default().push(id);
            }
            todo.extend(u.children.iter().copied().filter(|c| seen.insert(*c)));
        }
        Units { by_name, children }
    }

    /// The one unit of that kind and name: the only one below, or else the only one directly
    /// below.
    fn find(&self, kind: OrgUnitKind, name: &str) -> Found {
        let Some(ids) = self.by_name.get(&(kind, name.to_owned())) else {
            return Found::None;
        };
        if let [id] = ids.as_slice() {
            return Found::One(*id);
        }
        let direct: Vec<Uuid> = ids.iter().copied().filter(|id| self.children.contains(id)).collect();
        match direct.as_slice() {
            [id] => Found::One(*id),
            _ => Found::Many,
        }
    }
}

#[cfg(test)]
mod tests;

use super::*;
use crate::vocab::OrgUnitKind;

#[derive(Clone, Debug)]
pub struct CreateOrgUnit {
    pub id: Uuid,
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<Uuid>,
}

/// An org unit hangs below an existing unit; a school stands at the top.
pub fn create_org_unit(state: &State, input: CreateOrgUnit) -> Result<Decision, DomainError> {
    let name = required_text("name", &input.name, MAX_NAME)?;
    if let Some(parent) = input.parent_id {
        if state.org_unit(parent).is_none() {
            return Err(DomainError::not_found("org unit", parent));
        }
        if input.kind == OrgUnitKind::School {
            return Err(DomainError::bad(
                "parentId",
                "a school is the top of the tree and has no parent",
            ));
        }
    }
    if state.org_unit(input.id).is_some() {
        return Err(DomainError::Conflict(format!("org unit {} exists already", input.id)));
    }
    let event = Event::OrgUnitCreated {
        org_unit_id: input.id,
        kind: input.kind,
        name,
        parent_id: input.parent_id,
    };
    Ok(Decision::one(state, input.id, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn unit(kind: OrgUnitKind, name: &str, parent_id: Option<Uuid>) -> CreateOrgUnit {
        CreateOrgUnit {
            id: Uuid::from_u128(1),
            kind,
            name: name.into(),
            parent_id,
        }
    }

    #[test]
    fn a_unit_needs_an_existing_parent() {
        let missing = Uuid::from_u128(42);
        let what = World::new()
            .when(|s, _| create_org_unit(s, unit(OrgUnitKind::College, "学院", Some(missing))))
            .then_not_found();
        assert_eq!(what, "org unit");
    }

    #[test]
    fn a_blank_name_is_refused() {
        World::new()
            .when(|s, _| create_org_unit(s, unit(OrgUnitKind::School, "  ", None)))
            .then_refuses("name");
    }

    #[test]
    fn a_school_has_no_parent() {
        let mut w = World::new();
        let school = w.school();
        w.when(|s, _| create_org_unit(s, unit(OrgUnitKind::School, "二校", Some(school))))
            .then_refuses("parentId");
    }
}

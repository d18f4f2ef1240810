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
        if !state.org_units.contains_key(&parent) {
            return Err(DomainError::not_found("org unit", parent));
        }
        if input.kind == OrgUnitKind::School {
            return Err(DomainError::bad(
                "parentId",
                "a school is the top of the tree and has no parent",
            ));
        }
    }
    if state.org_units.contains_key(&input.id) {
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
    use crate::decide::given::Given;

    #[test]
    fn a_unit_needs_an_existing_parent() {
        let given = Given::new();
        let missing = Uuid::from_u128(42);
        let err = create_org_unit(
            &given.state,
            CreateOrgUnit {
                id: Uuid::from_u128(1),
                kind: OrgUnitKind::College,
                name: "学院".into(),
                parent_id: Some(missing),
            },
        );
        assert!(matches!(err, Err(DomainError::NotFound { what: "org unit", .. })));
    }

    #[test]
    fn a_blank_name_is_refused() {
        let given = Given::new();
        let err = create_org_unit(
            &given.state,
            CreateOrgUnit {
                id: Uuid::from_u128(1),
                kind: OrgUnitKind::School,
                name: "  ".into(),
                parent_id: None,
            },
        );
        assert!(matches!(err, Err(DomainError::BadInput { field: "name", .. })));
    }

    #[test]
    fn a_school_has_no_parent() {
        let mut given = Given::new();
        let school = given.school();
        let err = create_org_unit(
            &given.state,
            CreateOrgUnit {
                id: Uuid::from_u128(9),
                kind: OrgUnitKind::School,
                name: "二校".into(),
                parent_id: Some(school),
            },
        );
        assert!(matches!(err, Err(DomainError::BadInput { field: "parentId", .. })));
    }
}

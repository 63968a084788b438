//! Administering people and teams: adding someone, changing a role,
//! deactivating (their history stays; what they owned becomes unowned and
//! is flagged so; their sessions end) and reactivating, teams and their
//! members. Admins only, and never so that no active admin is left.

use app::model::accounts::{Actor, Role};
use app::model::catalog::slugify;
use app::model::errors::FieldErrors;
use app::model::people::{Directory, PersonView, TeamView};

use crate::access::require_admin;
use crate::accounts::{AccountError, NewAccount, create_account};
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{Person, Released, Store, StoreError};

/// Longest team name accepted.
const MAX_TEAM_NAME: usize = 80;

fn invalid(field: &str, why: impl Into<String>) -> CatalogError {
    let mut errors = FieldErrors::default();
    errors.add(field, why);
    CatalogError::Invalid(errors)
}

async fn person(store: &dyn Store, id: i64) -> Result<Person, CatalogError> {
    store.person(id).await?.ok_or(CatalogError::NotFound)
}

/// Refuses a change that would leave no active admin.
async fn keep_an_admin(store: &dyn Store, target: &Person) -> Result<(), CatalogError> {
    if target.active && target.role == "admin" && store.count_active_admins().await? <= 1 {
        return Err(invalid(
            "role",
            "this is the last active administrator: make someone else an administrator first",
        ));
    }
    Ok(())
}

/// Everyone (deactivated people too) and every team.
pub async fn directory(store: &dyn Store) -> Result<Directory, StoreError> {
    let people = store.people().await?;
    let teams = store.teams().await?;
    let members = store.team_members().await?;
    let name_of = |id: i64| {
        people
            .iter()
            .find(|p| p.id == id)
            .map_or_else(String::new, |p| p.display_name.clone())
    };
    let team_views: Vec<TeamView> = teams
        .iter()
        .map(|t| {
            let mut members: Vec<(i64, String)> = members
                .iter()
                .filter(|(team, _)| *team == t.id)
                .map(|(_, user)| (*user, name_of(*user)))
                .collect();
            members.sort_by_key(|(_, name)| name.to_lowercase());
            TeamView {
                id: t.id,
                slug: t.slug.clone(),
                name: t.name.clone(),
                members,
            }
        })
        .collect();
    let mut people: Vec<PersonView> = people
        .into_iter()
        .map(|p| PersonView {
            teams: team_views
                .iter()
                .filter(|t| t.members.iter().any(|(id, _)| *id == p.id))
                .map(|t| t.name.clone())
                .collect(),
            role: p.role.parse().unwrap_or(Role::Viewer),
            id: p.id,
            email: p.email,
            display_name: p.display_name,
            active: p.active,
        })
        .collect();
    people.sort_by_key(|p| (!p.active, p.display_name.to_lowercase()));
    Ok(Directory {
        people,
        teams: team_views,
    })
}

/// Adds someone who can sign in with the password the admin gives them.
pub async fn add_person(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    account: NewAccount,
) -> Result<i64, CatalogError> {
    require_admin(actor, "add people")?;
    match create_account(store, clock, &Author::of(actor), account).await {
        Ok(id) => Ok(id),
        Err(AccountError::Invalid(errors)) => Err(CatalogError::Invalid(errors)),
        Err(AccountError::Other(err)) => Err(CatalogError::Store(StoreError::Other(err))),
    }
}

pub async fn change_role(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    role: Role,
) -> Result<(), CatalogError> {
    require_admin(actor, "change roles")?;
    let target = person(store, id).await?;
    if target.role == role.as_str() {
        return Ok(());
    }
    keep_an_admin(store, &target).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "user.role_changed",
            "user",
            Some(id),
            &target.email,
        )
        .before(&serde_json::json!({"role": target.role}))
        .after(&serde_json::json!({"role": role}));
    store.set_role(id, role, &audit).await?;
    Ok(())
}

/// Deactivates someone; `None` when they already were.
pub async fn deactivate(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<Option<Released>, CatalogError> {
    require_admin(actor, "deactivate people")?;
    if id == actor.id {
        return Err(invalid(
            "active",
            "you cannot deactivate yourself: ask another administrator",
        ));
    }
    let target = person(store, id).await?;
    keep_an_admin(store, &target).await?;
    let audit = Author::of(actor).did(
        clock.now(),
        "user.deactivated",
        "user",
        Some(id),
        &target.email,
    );
    Ok(store.deactivate_user(id, clock.now(), &audit).await?)
}

/// Lets a deactivated person sign in again (they own nothing until given it).
pub async fn reactivate(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<bool, CatalogError> {
    require_admin(actor, "reactivate people")?;
    let target = person(store, id).await?;
    let audit = Author::of(actor).did(
        clock.now(),
        "user.reactivated",
        "user",
        Some(id),
        &target.email,
    );
    Ok(store.reactivate_user(id, &audit).await?)
}

/// Adds a team; its slug comes from the name unless given.
pub async fn create_team(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    name: &str,
    slug: Option<&str>,
) -> Result<TeamView, CatalogError> {
    require_admin(actor, "add teams")?;
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("name", "give the team a name"));
    }
    if name.chars().count() > MAX_TEAM_NAME {
        return Err(invalid(
            "name",
            format!("keep the name to {MAX_TEAM_NAME} characters"),
        ));
    }
    let slug = slugify(slug.filter(|s| !s.trim().is_empty()).unwrap_or(name));
    if slug.is_empty() {
        return Err(invalid("slug", "use letters or digits in the slug"));
    }
    let audit = Author::of(actor)
        .did(clock.now(), "team.created", "team", None, name)
        .after(&serde_json::json!({"name": name, "slug": slug}));
    match store.create_team(&slug, name, clock.now(), &audit).await {
        Ok(id) => Ok(TeamView {
            id,
            slug,
            name: name.to_owned(),
            members: Vec::new(),
        }),
        Err(StoreError::Conflict(_)) => Err(invalid(
            "slug",
            format!("{slug:?} is taken by another team: choose another slug"),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Adds someone to a team (`member`) or removes them; `false` when that
/// changed nothing.
pub async fn set_membership(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    team: i64,
    user: i64,
    member: bool,
) -> Result<bool, CatalogError> {
    require_admin(actor, "change teams")?;
    let team_name = store
        .teams()
        .await?
        .into_iter()
        .find(|t| t.id == team)
        .ok_or(CatalogError::NotFound)?
        .name;
    let target = person(store, user).await?;
    let action = if member {
        "team.member_added"
    } else {
        "team.member_removed"
    };
    let audit = Author::of(actor)
        .did(clock.now(), action, "team", Some(team), &team_name)
        .after(&serde_json::json!({"user_id": user, "email": target.email}));
    Ok(store
        .set_team_membership(team, user, member, &audit)
        .await?)
}

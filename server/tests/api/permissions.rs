//! The permission matrix, on both backends: every route of the router's
//! table and every registered server function, called as anonymous, a
//! viewer, the editor who owns the object, an editor who does not, and an
//! admin. Each call is allowed, or refused with 401/403 and nothing
//! changed. Routes come from `baton::http::route_table()` and the server
//! functions' registry: a new one that this file cannot call fails here
//! until it is added, so later routes join the matrix by themselves.

use app::model::accounts::Role;
use app::model::inventory::{AutomationDraft, InventoryFilter, Tool};
use baton::http::routes::{Access, SERVER_FN_ACCESS};
use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Viewer,
    OwningEditor,
    OtherEditor,
    Admin,
}

/// Routes and server functions that change nothing kept, behind owner or
/// admin access (a channel test sends a message, and keeps nothing).
const READS: [&str; 13] = [
    "/api/v1/channels/{id}/test",
    "/rpc/channels/test",
    "/rpc/dashboard",
    "/rpc/runbooks/editor",
    "/rpc/admin/channels",
    "/rpc/incidents/page",
    "/rpc/incidents/one",
    "/rpc/account/channels",
    "/rpc/orchestrations/editor",
    "/rpc/automations/editor",
    "/rpc/admin/audit",
    "/rpc/admin/people",
    "/rpc/admin/sources",
];

/// Refusals first, then the callers who change something: each call gets
/// objects of its own, so one change never hides the next caller's.
const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Viewer,
    Who::OtherEditor,
    Who::OwningEditor,
    Who::Admin,
];

/// Whether `who` may call a route of this access.
fn allowed(access: Access, who: Who) -> bool {
    match (access, who) {
        (Access::Open, _) => true,
        (_, Who::Anonymous) => false,
        (Access::Read, _) => true,
        (Access::Create, Who::Viewer) => false,
        (Access::Create, _) => true,
        (Access::Owner, Who::OwningEditor | Who::Admin) => true,
        (Access::Owner, _) => false,
        (Access::Admin, who) => who == Who::Admin,
    }
}

/// Objects owned by the owning editor, made afresh for each caller.
struct Objects {
    slug: String,
    orchestration: i64,
    orchestration_version: i64,
    /// In the orchestration; feeds `loose`.
    member: i64,
    member_version: i64,
    loose: i64,
    /// Owned, in no edge yet.
    spare: i64,
    edge: i64,
    /// The owning editor's API token.
    token: i64,
    /// A viewer in `team`, and a deactivated person.
    target: i64,
    gone: i64,
    team: i64,
    /// A team the owning editor is in, with `channel`.
    owners_team: i64,
    owner: i64,
    /// A source, an automation a ping put in the claim queue, and a
    /// delivery turned into a run.
    source: i64,
    queued: i64,
    delivery: i64,
    run: i64,
    /// A pause of `member`, on now.
    pause: i64,
    /// An open incident of `loose` (the owning editor's), a team's alert
    /// channel, and each signed-in caller's own channel.
    incident: i64,
    channel: i64,
    own_channels: Vec<(Who, i64)>,
    /// A draft review of the orchestration, an open and a done action
    /// item of it (0 unless asked for).
    review: i64,
    open_action: i64,
    done_action: i64,
    n: u32,
}

struct World {
    app: TestApp,
    clients: Vec<(Who, reqwest::Client)>,
    owner: i64,
    made: std::sync::atomic::AtomicU32,
}

impl World {
    async fn new(backend: Backend) -> Self {
        let app = spawn_app(backend).await;
        let mut clients = vec![(Who::Anonymous, app.browser())];
        let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
        let (owner_client, owner) = app.as_new("owner@example.com", Role::Editor).await;
        let (other, _) = app.as_new("other@example.com", Role::Editor).await;
        clients.push((Who::Viewer, viewer));
        clients.push((Who::OwningEditor, owner_client));
        clients.push((Who::OtherEditor, other));
        clients.push((Who::Admin, app.client.clone()));
        Self {
            app,
            clients,
            owner,
            made: std::sync::atomic::AtomicU32::new(0),
        }
    }

    fn client(&self, who: Who) -> &reqwest::Client {
        &self.clients.iter().find(|(w, _)| *w == who).unwrap().1
    }

    /// Fresh objects for one call; `runbook`: the orchestration gets a
    /// runbook of two revisions (only the runbook routes need one);
    /// `review`: a draft review with an open and a done action item (only
    /// the routes of one review need them).
    async fn objects(&self, runbook: bool, review: bool) -> Objects {
        let n = self.made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let admin = &self.app;
        let o = admin
            .add_orchestration(json!({
                "name": format!("Owned {n}"), "owner_id": self.owner,
            }))
            .await;
        let automation = |name: String, orchestration: Option<i64>| {
            json!({
                "tool": "cron", "external_id": format!("{name}-{n}"), "name": name,
                "owner_id": self.owner, "orchestration_id": orchestration,
            })
        };
        let id = o["id"].as_i64().unwrap();
        let member = admin
            .add_automation(automation(format!("member {n}"), Some(id)))
            .await;
        let loose = admin
            .add_automation(automation(format!("loose {n}"), None))
            .await;
        let spare = admin
            .add_automation(automation(format!("spare {n}"), None))
            .await;
        let edge = admin
            .post_json(
                "/api/v1/dependencies",
                &json!({
                    "upstream": {"kind": "automation", "id": member["id"]},
                    "downstream": {"kind": "automation", "id": loose["id"]},
                }),
            )
            .await;
        assert_eq!(edge.status(), StatusCode::CREATED);
        let edge: Value = edge.json().await.unwrap();
        let pause = admin
            .post_json(
                &format!("/api/v1/automations/{}/pauses", member["id"]),
                &json!({"reason": "fixture"}),
            )
            .await;
        assert_eq!(pause.status(), StatusCode::CREATED);
        let pause: Value = pause.json().await.unwrap();
        let token = baton::accounts::tokens::create(
            &*self.app.store,
            &*self.app.clock,
            &baton::audit::Author::command_line(),
            self.owner,
            &format!("script {n}"),
            app::model::accounts::TokenScope::Read,
        )
        .await
        .unwrap();
        let store = &self.app.store;
        let author = baton::audit::Author::command_line();
        // People acted on, not signing in: no password to hash.
        let now = chrono::Utc::now();
        let target = store
            .insert_user(
                &format!("target{n}@example.com"),
                "Target",
                Role::Viewer,
                now,
            )
            .await
            .unwrap();
        let gone = store
            .insert_user(&format!("gone{n}@example.com"), "Gone", Role::Viewer, now)
            .await
            .unwrap();
        let audit = author.did(
            chrono::Utc::now(),
            "user.deactivated",
            "user",
            Some(gone),
            "gone",
        );
        store
            .deactivate_user(gone, chrono::Utc::now(), &audit)
            .await
            .unwrap();
        let audit = author.did(chrono::Utc::now(), "team.created", "team", None, "team");
        let team = store
            .create_team(
                &format!("team-{n}"),
                &format!("Team {n}"),
                chrono::Utc::now(),
                &audit,
            )
            .await
            .unwrap();
        store
            .set_team_membership(team, target, true, &audit)
            .await
            .unwrap();
        // A team the owning editor is in: its channels are theirs to manage.
        let owners_team = store
            .create_team(
                &format!("owners-team-{n}"),
                &format!("Owner's team {n}"),
                chrono::Utc::now(),
                &audit,
            )
            .await
            .unwrap();
        store
            .set_team_membership(owners_team, self.owner, true, &audit)
            .await
            .unwrap();
        let audit = author.did(now, "source.created", "source", None, "source");
        let key = baton::store::new_ping_key();
        let source = store
            .create_source(
                &baton::store::NewSource {
                    slug: format!("source-{n}"),
                    name: format!("Source {n}"),
                    team_id: team,
                    // A signing source: its secret can be rotated too.
                    tool: app::model::ingestion::SourceTool::Github,
                    key: key.clone(),
                    secret: Some(baton::sources::new_secret(
                        app::model::ingestion::SourceTool::Github,
                    )),
                },
                now,
                &audit,
            )
            .await
            .unwrap();
        let pinged = plain_client()
            .get(self.app.url(&format!("/ping/{key}/queued-{n}?create=1")))
            .send()
            .await
            .unwrap();
        assert_eq!(pinged.status(), StatusCode::CREATED);
        self.app.settle().await;
        let queued = store
            .claim_queue()
            .await
            .unwrap()
            .last()
            .unwrap()
            .automation_id;
        let recent = store.recent_deliveries(1).await.unwrap().remove(0);
        let (delivery, run) = (recent.id, recent.run_id.expect("turned into a run"));
        // An incident opened directly: no alert is queued for it.
        let incident = store
            .write_incident(
                &baton::store::IncidentWrite::on(baton::store::IncidentTarget::New(
                    baton::store::NewIncident {
                        automation_id: loose["id"].as_i64().unwrap(),
                        kind: app::model::incidents::IncidentKind::Failed,
                        opened_at: now,
                        held_by: None,
                    },
                )),
                now,
            )
            .await
            .unwrap();
        let channel = admin
            .post_json(
                "/api/v1/channels",
                &json!({"name": format!("Team room {n}"), "kind": "slack",
                        "url": "http://127.0.0.1:9/hook", "team_id": owners_team}),
            )
            .await;
        assert_eq!(channel.status(), StatusCode::CREATED);
        let channel = channel.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let mut own_channels = Vec::new();
        for (who, client) in &self.clients {
            if *who == Who::Anonymous {
                continue;
            }
            let res = client
                .post(self.app.url("/api/v1/account/channels"))
                .json(&json!({"name": format!("Mine {n}"), "kind": "webhook",
                              "url": "http://127.0.0.1:9/me"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED, "{who:?}");
            let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            own_channels.push((*who, id));
        }
        // A runbook of two revisions: one to restore, two to compare.
        let path = format!(
            "/api/v1/orchestrations/{}/runbook",
            o["slug"].as_str().unwrap()
        );
        for base in (0..2).filter(|_| runbook) {
            let res = admin
                .put_json(
                    &path,
                    &json!({"body": format!("# Runbook {n}\n\nRevision {}\n", base + 1),
                            "base_revision": base}),
                )
                .await;
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "runbook revision {}",
                base + 1
            );
        }
        let (mut review_id, mut open_action, mut done_action) = (0, 0, 0);
        if review {
            let started = admin
                .post_json(
                    &format!(
                        "/api/v1/orchestrations/{}/reviews",
                        o["slug"].as_str().unwrap()
                    ),
                    &json!({}),
                )
                .await;
            assert_eq!(started.status(), StatusCode::CREATED);
            review_id = started.json::<Value>().await.unwrap()["review"]["id"]
                .as_i64()
                .unwrap();
            for _ in 0..2 {
                let added = admin
                    .post_json(
                        &format!("/api/v1/reviews/{review_id}/actions"),
                        &json!({"title": format!("Action {n}"), "due_on": "2099-01-01"}),
                    )
                    .await;
                assert_eq!(added.status(), StatusCode::CREATED);
                let id = added.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                (open_action, done_action) = (done_action, id);
            }
            let done = admin
                .post_json(
                    &format!("/api/v1/review-actions/{done_action}/done"),
                    &json!({}),
                )
                .await;
            assert_eq!(done.status(), StatusCode::OK);
        }
        Objects {
            review: review_id,
            open_action,
            done_action,
            incident,
            channel,
            own_channels,
            source,
            queued,
            delivery,
            run,
            target,
            gone,
            team,
            owners_team,
            owner: self.owner,
            token: token.details.id,
            slug: o["slug"].as_str().unwrap().to_owned(),
            orchestration: id,
            orchestration_version: o["version"].as_i64().unwrap(),
            member: member["id"].as_i64().unwrap(),
            member_version: member["version"].as_i64().unwrap(),
            loose: loose["id"].as_i64().unwrap(),
            spare: spare["id"].as_i64().unwrap(),
            edge: edge["id"].as_i64().unwrap(),
            pause: pause["id"].as_i64().unwrap(),
            n,
        }
    }

    /// Everything a call could change, as JSON.
    async fn snapshot(&self) -> Value {
        let store = &self.app.store;
        let automations = store
            .automations(&InventoryFilter::default(), 10_000, 0)
            .await
            .unwrap();
        json!({
            "orchestrations": store.orchestrations().await.unwrap(),
            "automations": automations,
            "dependencies": store.dependencies().await.unwrap(),
            "tokens": store.api_tokens(None).await.unwrap(),
            "audit": store.count_audit(&Default::default()).await.unwrap(),
            "people": store.people().await.unwrap().iter().map(|p| (p.id, p.active, p.role.clone())).collect::<Vec<_>>(),
            "teams": store.teams().await.unwrap().iter().map(|t| (t.id, t.name.clone())).collect::<Vec<_>>(),
            "members": store.team_members().await.unwrap(),
            "sources": store.sources().await.unwrap().iter().map(|r| (r.source.id, r.key.clone())).collect::<Vec<_>>(),
            "claims": store.claim_queue().await.unwrap().iter().map(|c| c.automation_id).collect::<Vec<_>>(),
            "runbooks": store.runbook_marks().await.unwrap().iter().map(|m| (m.orchestration_id, m.revision, m.verification.as_ref().map(|v| v.at))).collect::<Vec<_>>(),
        })
    }
}

/// How a request is sent.
enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Csv(String),
}

/// The request that exercises `method path` on `objects`; `None` for a
/// route this test does not know yet.
fn request(method: &Method, path: &str, x: &Objects, who: Who) -> Option<(String, Body)> {
    let slug = &x.slug;
    let form = |pairs: &[(&str, String)]| {
        Body::Form(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    };
    let member_form = || {
        form(&[
            ("id", x.member.to_string()),
            ("version", x.member_version.to_string()),
            ("form[name]", format!("member {} renamed", x.n)),
            ("form[tool]", "cron".to_owned()),
            ("form[external_id]", format!("member {}-{}", x.n, x.n)),
            ("form[owner_id]", String::new()),
            ("form[orchestration_id]", x.orchestration.to_string()),
        ])
    };
    let path_of = |p: &str| {
        // Joining a team: someone not in it yet (the target already is).
        let p = if p.starts_with("/api/v1/teams/{id}/members/") {
            p.replace("{id}", &x.team.to_string())
                .replace("{user_id}", &x.owner.to_string())
        } else if p.ends_with("/reactivate") {
            p.replace("{id}", &x.gone.to_string())
        } else if p.starts_with("/api/v1/people/") {
            p.replace("{id}", &x.target.to_string())
        } else {
            p.to_owned()
        };
        p.replace("{slug}", slug).replace("{number}", "1").replace(
            "{id}",
            &if p.starts_with("/api/v1/dependencies") {
                x.edge.to_string()
            } else if p.starts_with("/api/v1/sources") {
                x.source.to_string()
            } else if p.starts_with("/api/v1/deliveries") {
                x.delivery.to_string()
            } else if p.starts_with("/api/v1/runs/") {
                x.run.to_string()
            } else if p.ends_with("/claim") {
                x.queued.to_string()
            } else if p.starts_with("/api/v1/tokens") {
                x.token.to_string()
            } else if p.starts_with("/api/v1/reviews/") {
                x.review.to_string()
            } else if p.ends_with("/reopen") {
                x.done_action.to_string()
            } else if p.starts_with("/api/v1/review-actions/") {
                x.open_action.to_string()
            } else {
                x.member.to_string()
            },
        )
    };
    let draft = AutomationDraft {
        tool: Tool::Cron.as_str().to_owned(),
        external_id: format!("new-{}", x.n),
        name: format!("New {}", x.n),
        ..Default::default()
    };
    Some(match (method.as_str(), path) {
        ("GET", "/api/v1/incidents/{id}") => {
            (path.replace("{id}", &x.incident.to_string()), Body::None)
        }
        ("GET", "/api/v1/orchestrations/{slug}/runbook/diff") => {
            (format!("{}?from=1&to=2", path_of(path)), Body::None)
        }
        ("GET", p) if p.starts_with("/api/v1/") => (path_of(p), Body::None),
        ("PUT", "/api/v1/orchestrations/{slug}/review-schedule") => {
            (path_of(path), Body::Json(json!({"cadence": "monthly"})))
        }
        ("PUT", "/api/v1/reviews/{id}") => (
            path_of(path),
            Body::Json(json!({"version": 1, "notes": format!("Saved by {who:?}")})),
        ),
        ("POST", "/api/v1/reviews/{id}/sign") => {
            let answers: serde_json::Map<String, Value> = [
                "owner_right",
                "backup_owner_set",
                "runbook_verified",
                "failure_mode_true",
                "health_within_target",
                "dependencies_correct",
            ]
            .iter()
            .map(|i| ((*i).to_owned(), json!({"answer": "yes"})))
            .collect();
            (
                path_of(path),
                Body::Json(json!({"version": 1, "answers": answers, "decision": "keep"})),
            )
        }
        ("POST", "/api/v1/reviews/{id}/actions") => (
            path_of(path),
            Body::Json(json!({"title": format!("By {who:?}"), "due_on": "2099-02-01"})),
        ),
        ("DELETE", "/api/v1/reviews/{id}") => (path_of(path), Body::None),
        (
            "POST",
            "/api/v1/orchestrations/{slug}/reviews"
            | "/api/v1/review-actions/{id}/done"
            | "/api/v1/review-actions/{id}/reopen",
        ) => (path_of(path), Body::None),
        ("POST", "/rpc/reviews/board") => (path.to_owned(), form(&[("quarter", String::new())])),
        ("POST", "/rpc/reviews/report") => {
            (path.to_owned(), form(&[("quarter", "2026-Q4".to_owned())]))
        }
        ("POST", "/rpc/reviews/one" | "/rpc/reviews/discard" | "/rpc/reviews/actions") => {
            (path.to_owned(), form(&[("id", x.review.to_string())]))
        }
        ("POST", "/rpc/reviews/history" | "/rpc/reviews/start") => {
            (path.to_owned(), form(&[("slug", slug.clone())]))
        }
        ("POST", "/rpc/reviews/save") => (
            path.to_owned(),
            form(&[
                ("id", x.review.to_string()),
                ("draft[version]", "1".to_owned()),
                ("draft[notes]", format!("Saved by {who:?}")),
                ("draft[answers][owner_right][answer]", "yes".to_owned()),
                ("sign", "false".to_owned()),
            ]),
        ),
        ("POST", "/rpc/reviews/action") => (
            path.to_owned(),
            form(&[
                ("id", x.review.to_string()),
                ("draft[title]", format!("By {who:?}")),
                ("draft[owner_id]", String::new()),
                ("draft[due_on]", "2099-03-01".to_owned()),
            ]),
        ),
        ("POST", "/rpc/reviews/action/mark") => (
            path.to_owned(),
            form(&[
                ("id", x.open_action.to_string()),
                ("done", "true".to_owned()),
            ]),
        ),
        ("PUT", "/api/v1/orchestrations/{slug}/runbook") => (
            path_of(path),
            Body::Json(json!({"body": format!("# Changed by {who:?}\n"), "base_revision": 2})),
        ),
        (
            "POST",
            "/api/v1/orchestrations/{slug}/runbook/revisions/{number}/restore"
            | "/api/v1/orchestrations/{slug}/runbook/verify",
        ) => (path_of(path), Body::None),
        (
            "POST",
            "/rpc/runbooks/one"
            | "/rpc/runbooks/editor"
            | "/rpc/runbooks/history"
            | "/rpc/runbooks/verify",
        ) => (path.to_owned(), form(&[("slug", slug.clone())])),
        ("POST", "/rpc/runbooks/preview") => {
            (path.to_owned(), form(&[("body", "# Preview\n".to_owned())]))
        }
        ("POST", "/rpc/runbooks/save") => (
            path.to_owned(),
            form(&[
                ("slug", slug.clone()),
                ("draft[body]", format!("# Saved by {who:?}\n")),
                ("draft[note]", String::new()),
                ("draft[base_revision]", "2".to_owned()),
            ]),
        ),
        ("POST", "/rpc/runbooks/revision" | "/rpc/runbooks/restore") => (
            path.to_owned(),
            form(&[("slug", slug.clone()), ("number", "1".to_owned())]),
        ),
        ("POST", "/rpc/runbooks/compare") => (
            path.to_owned(),
            form(&[
                ("slug", slug.clone()),
                ("from", "1".to_owned()),
                ("to", "2".to_owned()),
            ]),
        ),
        ("POST", "/api/v1/orchestrations") => (
            path.to_owned(),
            Body::Json(json!({"name": format!("New {}", x.n)})),
        ),
        ("PUT", "/api/v1/orchestrations/{slug}") => (
            path_of(path),
            Body::Json(
                json!({"version": x.orchestration_version, "name": format!("Renamed {}", x.n)}),
            ),
        ),
        ("DELETE", "/api/v1/orchestrations/{slug}") => {
            (format!("{}?confirm={slug}", path_of(path)), Body::None)
        }
        ("POST", "/api/v1/orchestrations/{slug}/retire") => (
            path_of(path),
            Body::Json(json!({"version": x.orchestration_version})),
        ),
        ("POST", "/api/v1/automations") => (
            path.to_owned(),
            Body::Json(serde_json::to_value(&draft).unwrap()),
        ),
        ("PUT", "/api/v1/automations/{id}") => (
            path_of(path),
            Body::Json(json!({
                "version": x.member_version, "tool": "cron",
                "external_id": format!("member {}-{}", x.n, x.n), "name": "Renamed",
                "orchestration_id": x.orchestration,
            })),
        ),
        ("POST", "/api/v1/people") => (
            path.to_owned(),
            Body::Json(json!({
                "email": format!("new{}@example.com", x.n), "display_name": "New",
                "role": "viewer", "password": crate::helpers::PASSWORD,
            })),
        ),
        ("PUT", "/api/v1/people/{id}/role") => {
            (path_of(path), Body::Json(json!({"role": "editor"})))
        }
        ("POST", "/api/v1/people/{id}/deactivate" | "/api/v1/people/{id}/reactivate") => {
            (path_of(path), Body::None)
        }
        ("POST", "/api/v1/teams") => (
            path.to_owned(),
            Body::Json(json!({"name": format!("New team {}", x.n)})),
        ),
        ("PUT", "/api/v1/teams/{id}/members/{user_id}") => (path_of(path), Body::None),
        ("DELETE", "/api/v1/teams/{id}/members/{user_id}") => (
            path.replace("{id}", &x.team.to_string())
                .replace("{user_id}", &x.target.to_string()),
            Body::None,
        ),
        ("POST", "/api/v1/automations/{id}/ping-key") => (path_of(path), Body::None),
        ("POST", "/api/v1/sources") => (
            path.to_owned(),
            Body::Json(json!({"name": format!("New source {}", x.n), "team_id": x.team})),
        ),
        (
            "POST",
            "/api/v1/sources/{id}/key"
            | "/api/v1/sources/{id}/secret"
            | "/api/v1/deliveries/{id}/replay",
        ) => (path_of(path), Body::None),
        ("PUT", "/api/v1/automations/{id}/slug") => (
            path_of(path),
            Body::Json(json!({"source_id": x.source, "slug": format!("member-{}", x.n)})),
        ),
        ("DELETE", "/api/v1/automations/{id}/slug" | "/api/v1/automations/{id}/schedule") => {
            (path_of(path), Body::None)
        }
        ("PUT", "/api/v1/automations/{id}/schedule") => (
            path_of(path),
            Body::Json(json!({"period_seconds": 3600 + x.n, "grace_seconds": 600})),
        ),
        ("POST", "/api/v1/automations/{id}/claim") => (path_of(path), Body::Json(json!({}))),
        ("POST", "/api/v1/automations/{id}/pauses" | "/api/v1/orchestrations/{slug}/pauses") => (
            path_of(path),
            Body::Json(json!({"reason": format!("matrix {}", x.n)})),
        ),
        ("POST", "/api/v1/incidents/{id}/acknowledge") => {
            (path.replace("{id}", &x.incident.to_string()), Body::None)
        }
        ("POST", "/api/v1/channels") => (
            path.to_owned(),
            Body::Json(json!({"name": "Another room", "kind": "slack",
                              "url": "http://127.0.0.1:9/other", "team_id": x.owners_team})),
        ),
        ("DELETE", "/api/v1/channels/{id}") => {
            (path.replace("{id}", &x.channel.to_string()), Body::None)
        }
        ("POST", "/api/v1/account/channels") => (
            path.to_owned(),
            Body::Json(json!({"name": "Pager", "kind": "slack", "url": "http://127.0.0.1:9/p"})),
        ),
        ("DELETE", "/api/v1/account/channels/{id}") => {
            // The caller's own (the anonymous caller is refused first).
            let own = x
                .own_channels
                .iter()
                .find(|(w, _)| *w == who)
                .or(x.own_channels.first())
                .map_or(0, |(_, id)| *id);
            (path.replace("{id}", &own.to_string()), Body::None)
        }
        ("POST", "/api/v1/pauses/{id}/end") => {
            (path.replace("{id}", &x.pause.to_string()), Body::None)
        }
        ("POST", "/rpc/automations/rotate-key") => {
            (path.to_owned(), form(&[("id", x.member.to_string())]))
        }
        ("POST", "/api/v1/tokens") => (
            path.to_owned(),
            Body::Json(json!({"name": format!("script {}", x.n), "scope": "read"})),
        ),
        ("POST", "/rpc/account/tokens" | "/rpc/admin/people") => (path.to_owned(), form(&[])),
        ("POST", "/rpc/admin/people/add") => (
            path.to_owned(),
            form(&[
                ("email", format!("added{}@example.com", x.n)),
                ("display_name", "Added".to_owned()),
                ("role", "viewer".to_owned()),
                ("password", crate::helpers::PASSWORD.to_owned()),
            ]),
        ),
        ("POST", "/rpc/admin/people/role") => (
            path.to_owned(),
            form(&[("id", x.target.to_string()), ("role", "editor".to_owned())]),
        ),
        ("POST", "/rpc/admin/people/active") => (
            path.to_owned(),
            form(&[("id", x.target.to_string()), ("active", "false".to_owned())]),
        ),
        ("POST", "/rpc/admin/teams/create") => (
            path.to_owned(),
            form(&[("name", format!("Screen team {}", x.n))]),
        ),
        ("POST", "/rpc/admin/teams/member") => (
            path.to_owned(),
            form(&[
                ("team", x.team.to_string()),
                ("user", x.owner.to_string()),
                ("member", "true".to_owned()),
            ]),
        ),
        ("POST", "/rpc/admin/audit") => (
            path.to_owned(),
            Body::Json(json!({"filter": {"action": "orchestration."}, "page": 1})),
        ),
        ("POST", "/rpc/account/tokens/create") => (
            path.to_owned(),
            form(&[
                ("name", format!("script {}", x.n)),
                ("scope", "write".to_owned()),
            ]),
        ),
        ("POST", "/rpc/account/tokens/revoke") => {
            (path.to_owned(), form(&[("id", x.token.to_string())]))
        }
        (
            "DELETE",
            "/api/v1/automations/{id}" | "/api/v1/dependencies/{id}" | "/api/v1/tokens/{id}",
        ) => (path_of(path), Body::None),
        ("POST", "/api/v1/dependencies") => (
            path.to_owned(),
            Body::Json(json!({
                "upstream": {"kind": "automation", "id": x.spare},
                "downstream": {"kind": "automation", "id": x.loose},
            })),
        ),
        ("POST", "/api/v1/import/inventory") => (
            format!("{path}?commit=true"),
            Body::Csv(format!(
                "tool,external_id,name\ncron,imported-{},Imported\n",
                x.n
            )),
        ),
        ("POST", "/api/v1/import/monitors/{from}") => (
            "/api/v1/import/monitors/healthchecks?commit=true".to_owned(),
            Body::Json(json!({"checks": [{
                "name": "Moved over", "uuid": format!("00000000-0000-4000-8000-{:012}", x.n),
                "timeout": 3600, "grace": 600,
            }]})),
        ),
        ("POST", "/api/v1/import/catalog") => (
            path.to_owned(),
            Body::Json(json!({
                "format": "baton-catalog", "version": 1,
                "teams": [], "people": [], "orchestrations": [],
                "automations": [{"tool": "cron", "external_id": format!("doc-{}", x.n), "name": "From a document"}],
                "dependencies": [],
            })),
        ),
        ("POST", "/rpc/orchestrations/list" | "/rpc/leverage") => (path.to_owned(), form(&[])),
        ("POST", "/rpc/orchestrations/page" | "/rpc/orchestrations/editor") => {
            (path.to_owned(), form(&[("slug", slug.clone())]))
        }
        ("POST", "/rpc/inventory/page") => (
            path.to_owned(),
            Body::Json(json!({"filter": InventoryFilter::default(), "page": 1})),
        ),
        (
            "POST",
            "/rpc/automations/page" | "/rpc/automations/editor" | "/rpc/automations/delete",
        ) => (path.to_owned(), form(&[("id", x.member.to_string())])),
        ("POST", "/rpc/dependencies/find") => {
            (path.to_owned(), form(&[("query", "member".to_owned())]))
        }
        ("POST", "/rpc/orchestrations/save") => (
            path.to_owned(),
            form(&[
                ("id", x.orchestration.to_string()),
                ("version", x.orchestration_version.to_string()),
                ("form[name]", format!("Renamed {}", x.n)),
                ("form[slug]", slug.clone()),
                ("form[tier]", "2".to_owned()),
                ("form[lifecycle]", "active".to_owned()),
            ]),
        ),
        ("POST", "/rpc/orchestrations/retire") => (
            path.to_owned(),
            form(&[
                ("id", x.orchestration.to_string()),
                ("version", x.orchestration_version.to_string()),
            ]),
        ),
        ("POST", "/rpc/orchestrations/delete") => (
            path.to_owned(),
            form(&[
                ("id", x.orchestration.to_string()),
                ("confirm", slug.clone()),
            ]),
        ),
        ("POST", "/rpc/automations/save") => (path.to_owned(), member_form()),
        ("POST", "/rpc/dependencies/add") => (
            path.to_owned(),
            Body::Json(json!({
                "upstream": {"kind": "automation", "id": x.spare},
                "downstream": {"kind": "automation", "id": x.loose},
            })),
        ),
        ("POST", "/rpc/orchestrations/runs") => (
            path.to_owned(),
            Body::Json(json!({"slug": slug, "filter": {}, "page": 1})),
        ),
        ("POST", "/rpc/deliveries/page") => (
            path.to_owned(),
            Body::Json(json!({"filter": {}, "page": 1})),
        ),
        ("POST", "/rpc/deliveries/one" | "/rpc/deliveries/replay") => {
            (path.to_owned(), form(&[("id", x.delivery.to_string())]))
        }
        ("POST", "/rpc/admin/sources" | "/rpc/claims") => (path.to_owned(), form(&[])),
        ("POST", "/rpc/admin/sources/create") => (
            path.to_owned(),
            form(&[
                ("name", format!("Screen source {}", x.n)),
                ("team_id", x.team.to_string()),
                ("tool", "gitlab".to_owned()),
            ]),
        ),
        ("POST", "/rpc/admin/sources/rotate" | "/rpc/admin/sources/secret") => {
            (path.to_owned(), form(&[("id", x.source.to_string())]))
        }
        ("POST", "/rpc/claims/claim") => (
            path.to_owned(),
            form(&[
                ("id", x.queued.to_string()),
                ("orchestration_id", String::new()),
            ]),
        ),
        ("POST", "/rpc/automations/slug") => (
            path.to_owned(),
            form(&[
                ("id", x.member.to_string()),
                ("source_id", x.source.to_string()),
                ("slug", format!("screen-{}", x.n)),
            ]),
        ),
        ("POST", "/rpc/automations/schedule") => (
            path.to_owned(),
            form(&[
                ("id", x.member.to_string()),
                ("kind", "period".to_owned()),
                ("every", format!("{}m", 60 + x.n)),
                ("cron", String::new()),
                ("time_zone", String::new()),
                ("grace", "10m".to_owned()),
                ("max_duration", String::new()),
                ("min_duration", String::new()),
            ]),
        ),
        ("POST", "/rpc/automations/schedule/remove") => {
            (path.to_owned(), form(&[("id", x.member.to_string())]))
        }
        ("POST", "/rpc/dependencies/remove") => {
            (path.to_owned(), form(&[("id", x.edge.to_string())]))
        }
        ("POST", "/rpc/automations/pause" | "/rpc/orchestrations/pause") => {
            let id = if path.starts_with("/rpc/automations") {
                x.member
            } else {
                x.orchestration
            };
            (
                path.to_owned(),
                form(&[
                    ("id", id.to_string()),
                    ("for_how_long", "2h".to_owned()),
                    ("starts", String::new()),
                    ("ends", String::new()),
                    ("reason", format!("matrix {}", x.n)),
                ]),
            )
        }
        ("POST", "/rpc/incidents/page") => (
            path.to_owned(),
            form(&[("state", "open".to_owned()), ("page", "1".to_owned())]),
        ),
        ("POST", "/rpc/incidents/one" | "/rpc/incidents/acknowledge") => {
            (path.to_owned(), form(&[("id", x.incident.to_string())]))
        }
        ("POST", "/rpc/account/channels" | "/rpc/admin/channels") => (path.to_owned(), form(&[])),
        ("POST", "/rpc/dashboard") => (path.to_owned(), Body::Json(json!({"filter": {}}))),
        ("POST", "/rpc/admin/channels/add") => (
            path.to_owned(),
            form(&[
                ("name", "Room".to_owned()),
                ("kind", "slack".to_owned()),
                ("url", "http://127.0.0.1:9/room".to_owned()),
                ("whose", format!("team:{}", x.team)),
            ]),
        ),
        ("POST", "/rpc/admin/channels/remove") => {
            (path.to_owned(), form(&[("id", x.channel.to_string())]))
        }
        ("POST", "/rpc/account/channels/add") => (
            path.to_owned(),
            form(&[
                ("name", "Pager".to_owned()),
                ("kind", "slack".to_owned()),
                ("url", "http://127.0.0.1:9/p".to_owned()),
            ]),
        ),
        ("POST", "/rpc/account/channels/remove") => {
            let own = x
                .own_channels
                .iter()
                .find(|(w, _)| *w == who)
                .or(x.own_channels.first())
                .map_or(0, |(_, id)| *id);
            (path.to_owned(), form(&[("id", own.to_string())]))
        }
        ("POST", "/api/v1/channels/{id}/test") => {
            (path.replace("{id}", &x.channel.to_string()), Body::None)
        }
        ("POST", "/rpc/channels/test") => (path.to_owned(), form(&[("id", x.channel.to_string())])),
        ("POST", "/rpc/administrators") => (path.to_owned(), form(&[])),
        ("POST", "/rpc/pauses/end") => (path.to_owned(), form(&[("id", x.pause.to_string())])),
        _ => return None,
    })
}

async fn call(
    world: &World,
    who: Who,
    method: &Method,
    path: &str,
    body: Body,
) -> (StatusCode, String) {
    let mut request = world
        .client(who)
        .request(method.clone(), world.app.url(path));
    request = match body {
        Body::None => request,
        Body::Json(value) => request.json(&value),
        Body::Form(pairs) => request.form(&pairs),
        Body::Csv(text) => request.header("content-type", "text/csv").body(text),
    };
    let mut res = request.send().await.unwrap();
    let status = res.status();
    if status.is_success() && path == "/api/v1/events" {
        // A stream that stays open: its first event is enough.
        let first = res.chunk().await.unwrap().unwrap_or_default();
        return (status, String::from_utf8_lossy(&first).into_owned());
    }
    (status, res.text().await.unwrap())
}

/// Every route and server function, as everyone.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_route_is_allowed_or_refused_changing_nothing(#[case] backend: Backend) {
    let world = World::new(backend).await;
    let mut routes: Vec<(Method, String, Access)> = baton::http::route_table()
        .into_iter()
        .map(|r| (r.method, r.path.to_owned(), r.access))
        .collect();
    let mut unclassified = Vec::new();
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        match SERVER_FN_ACCESS.iter().find(|(p, _)| *p == path) {
            Some((_, access)) => routes.push((method, path.to_owned(), *access)),
            None => unclassified.push(path.to_owned()),
        }
    }
    assert!(
        unclassified.is_empty(),
        "server functions with no access in SERVER_FN_ACCESS: {unclassified:?}"
    );
    assert!(
        routes
            .iter()
            .any(|(_, p, _)| p == "/rpc/orchestrations/save"),
        "the registry was read"
    );

    let mut unknown = Vec::new();
    let mut checked = 0;
    for (method, path, access) in &routes {
        if *access == Access::Open {
            continue; // signing in, out and up: their own tests
        }
        for who in EVERYONE {
            let one_review = path.contains("/reviews/{id}")
                || path.contains("review-actions")
                || (path.starts_with("/rpc/reviews/") && !path.ends_with("/start"));
            let objects = world.objects(path.contains("runbook"), one_review).await;
            let Some((url, body)) = request(method, path, &objects, who) else {
                unknown.push(format!("{method} {path}"));
                break;
            };
            let before = world.snapshot().await;
            let (status, text) = call(&world, who, method, &url, body).await;
            let label = format!("{method} {path} as {who:?}");
            if allowed(*access, who) {
                assert!(status.is_success(), "{label}: {status} {text}");
                // A server function's refusal would be a 200 outcome: it must not be.
                assert!(!text.contains("\"Refused\""), "{label}: {text}");
                assert!(!text.contains("\"Invalid\""), "{label}: {text}");
                if method != Method::GET
                    && *access != Access::Read
                    && !READS.contains(&path.as_str())
                {
                    assert_ne!(world.snapshot().await, before, "{label} changed nothing");
                }
            } else {
                let expected = if who == Who::Anonymous {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, expected, "{label}: {text}");
                assert!(!text.is_empty(), "{label}: the refusal says why");
                assert_eq!(world.snapshot().await, before, "{label} changed something");
            }
            checked += 1;
        }
    }
    assert!(
        unknown.is_empty(),
        "routes the matrix cannot call yet (add them to `request`): {unknown:?}"
    );
    assert!(checked >= 5 * 30, "only {checked} calls were checked");
}

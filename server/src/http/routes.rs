//! Every route with who may call it. Routes are added through [`Routes`],
//! which will not take one without its [`Access`], so the list cannot miss
//! a route; the permission matrix test walks it (and the server functions'
//! registry against [`SERVER_FN_ACCESS`]) and fails on anything
//! unclassified.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};

use crate::startup::AppState;

/// Who may call a route. The domain functions enforce it; this says what
/// to expect, for the matrix test and for readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: probes, ingestion, signing in.
    Open,
    /// Anyone signed in.
    Read,
    /// Editors and admins.
    Create,
    /// The owner or backup owner of the object (an editor), and admins.
    Owner,
    /// Admins only.
    Admin,
}

/// One method on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A router that records each route with its access.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    /// Adds `handler` for `method` on `path`, callable as `access` says.
    pub fn add<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone())
            .unwrap_or_else(|_| panic!("{method} is not a method a route can answer"));
        self.router = self.router.route(path, on(filter, handler));
        self.list.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.list)
    }
}

/// The screens' server functions (under `/rpc/`), by path, with who may
/// call them.
pub const SERVER_FN_ACCESS: &[(&str, Access)] = &[
    ("/rpc/me", Access::Open),
    ("/rpc/account/tokens", Access::Read),
    ("/rpc/account/tokens/create", Access::Read),
    ("/rpc/account/tokens/revoke", Access::Owner),
    ("/rpc/admin/audit", Access::Admin),
    ("/rpc/admin/people", Access::Admin),
    ("/rpc/admin/people/add", Access::Admin),
    ("/rpc/admin/people/role", Access::Admin),
    ("/rpc/admin/people/active", Access::Admin),
    ("/rpc/admin/teams/create", Access::Admin),
    ("/rpc/admin/teams/member", Access::Admin),
    ("/rpc/dashboard", Access::Read),
    ("/rpc/orchestrations/list", Access::Read),
    ("/rpc/orchestrations/page", Access::Read),
    ("/rpc/inventory/page", Access::Read),
    ("/rpc/automations/page", Access::Read),
    ("/rpc/dependencies/find", Access::Read),
    ("/rpc/leverage", Access::Read),
    ("/rpc/orchestrations/editor", Access::Owner),
    ("/rpc/orchestrations/save", Access::Owner),
    ("/rpc/orchestrations/retire", Access::Owner),
    ("/rpc/orchestrations/delete", Access::Owner),
    ("/rpc/automations/editor", Access::Owner),
    ("/rpc/automations/save", Access::Owner),
    ("/rpc/automations/delete", Access::Owner),
    ("/rpc/automations/rotate-key", Access::Owner),
    ("/rpc/dependencies/add", Access::Owner),
    ("/rpc/dependencies/remove", Access::Owner),
    ("/rpc/deliveries/page", Access::Read),
    ("/rpc/orchestrations/runs", Access::Read),
    ("/rpc/deliveries/one", Access::Read),
    ("/rpc/deliveries/replay", Access::Admin),
    ("/rpc/admin/sources", Access::Admin),
    ("/rpc/admin/sources/create", Access::Admin),
    ("/rpc/admin/sources/rotate", Access::Admin),
    ("/rpc/admin/sources/secret", Access::Admin),
    ("/rpc/claims", Access::Read),
    ("/rpc/claims/claim", Access::Create),
    ("/rpc/automations/slug", Access::Owner),
    ("/rpc/automations/schedule", Access::Owner),
    ("/rpc/automations/schedule/remove", Access::Owner),
    ("/rpc/automations/pause", Access::Owner),
    ("/rpc/orchestrations/pause", Access::Owner),
    ("/rpc/pauses/end", Access::Owner),
    ("/rpc/incidents/page", Access::Read),
    ("/rpc/incidents/one", Access::Read),
    ("/rpc/incidents/acknowledge", Access::Owner),
    ("/rpc/account/channels", Access::Read),
    ("/rpc/account/channels/add", Access::Read),
    ("/rpc/account/channels/remove", Access::Read),
    ("/rpc/admin/channels", Access::Admin),
    ("/rpc/admin/channels/add", Access::Admin),
    ("/rpc/admin/channels/remove", Access::Admin),
    // Testing a channel: as removing it (a person may also test their own).
    ("/rpc/channels/test", Access::Owner),
    ("/rpc/administrators", Access::Read),
    ("/rpc/runbooks/one", Access::Read),
    ("/rpc/runbooks/editor", Access::Owner),
    ("/rpc/runbooks/preview", Access::Read),
    ("/rpc/runbooks/save", Access::Owner),
    ("/rpc/runbooks/history", Access::Read),
    ("/rpc/runbooks/revision", Access::Read),
    ("/rpc/runbooks/compare", Access::Read),
    ("/rpc/runbooks/restore", Access::Owner),
    ("/rpc/runbooks/verify", Access::Owner),
    ("/rpc/reviews/board", Access::Read),
    ("/rpc/reviews/one", Access::Read),
    ("/rpc/reviews/history", Access::Read),
    ("/rpc/reviews/actions", Access::Read),
    ("/rpc/reviews/start", Access::Owner),
    ("/rpc/reviews/save", Access::Owner),
    ("/rpc/reviews/discard", Access::Owner),
    ("/rpc/reviews/action", Access::Owner),
    ("/rpc/reviews/action/mark", Access::Owner),
    ("/rpc/reviews/report", Access::Read),
];

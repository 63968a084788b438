//! The signed-in person, for the top bar and for hiding controls the
//! server would refuse.

use leptos::prelude::*;

use crate::model::accounts::Actor;

/// Who is signed in; `None` for nobody. Open to anonymous callers.
#[server(prefix = "/rpc", endpoint = "me")]
pub async fn who_am_i() -> Result<Option<Actor>, ServerFnError> {
    Ok(super::ssr::actor())
}

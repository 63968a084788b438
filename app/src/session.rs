//! The signed-in person, loaded once per page and shared by every
//! component that shows or hides something by who is asking.

use leptos::prelude::*;

use crate::model::accounts::Actor;
use crate::server_fns::account::who_am_i;

/// Who is signed in, as the server said; `None` inside while loading or
/// for nobody.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Option<Actor>>);

/// Loads who is signed in, for the whole page.
pub fn provide_me() {
    let me = Resource::new(|| (), |()| async { who_am_i().await.ok().flatten() });
    provide_context(Me(me));
}

/// The signed-in person, once known (read under a `Suspense`).
pub fn me() -> Option<Actor> {
    use_context::<Me>().and_then(|Me(me)| me.get().flatten())
}

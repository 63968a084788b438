//! The inventory stays fast at 10,000 automations: each listing the
//! screen offers reads through an index, on both backends.

use app::model::inventory::{AutomationFields, InventoryFilter, InventorySort, Tool};
use baton::store::AutomationWrite;
use chrono::Utc;
use rstest::rstest;

use crate::helpers::{Backend, TestDb};

async fn analyze(db: &TestDb, backend: Backend) {
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
            sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn inventory_listings_use_indexes_at_ten_thousand_rows(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let people: Vec<i64> = {
        let mut ids = Vec::new();
        for n in 0..50 {
            ids.push(
                store
                    .insert_user(
                        &format!("owner{n}@example.com"),
                        &format!("Owner {n}"),
                        app::model::accounts::Role::Editor,
                        Utc::now(),
                    )
                    .await
                    .unwrap(),
            );
        }
        ids
    };
    let writes: Vec<AutomationWrite> = (0..10_000)
        .map(|i| AutomationWrite {
            current: None,
            fields: AutomationFields {
                tool: Tool::ALL[i % Tool::ALL.len()],
                external_id: format!("job-{i:05}"),
                url: String::new(),
                name: format!("Automation {i:05}"),
                description: String::new(),
                owner_id: Some(people[i % people.len()]),
                team_id: None,
                failure_mode: String::new(),
                orchestration_id: None,
                minutes_saved_per_run: None,
                runs_per_week: None,
            },
        })
        .collect();
    let audit = baton::audit::Author::command_line().did(
        Utc::now(),
        "inventory.imported",
        "inventory",
        None,
        "plans test",
    );
    store
        .write_automations(&writes, Utc::now(), &|_| {}, &audit)
        .await
        .unwrap();
    analyze(&db, backend).await;

    let filters = [
        InventoryFilter::default(),
        InventoryFilter {
            sort: InventorySort::Tool,
            ..Default::default()
        },
        InventoryFilter {
            sort: InventorySort::Updated,
            ..Default::default()
        },
        InventoryFilter {
            tool: Some(Tool::Zapier),
            ..Default::default()
        },
        InventoryFilter {
            owner_id: Some(people[7]),
            ..Default::default()
        },
    ];
    for filter in filters {
        let plan = store.automations_query_plan(&filter).await.unwrap();
        let text = plan.join("\n");
        match backend {
            Backend::Sqlite => {
                assert!(
                    text.contains("USING INDEX") || text.contains("USING COVERING INDEX"),
                    "{filter:?}:\n{text}"
                );
                assert!(
                    !text.contains("SCAN automations\n") && text != "SCAN automations",
                    "{filter:?}:\n{text}"
                );
            }
            Backend::Postgres => {
                assert!(
                    text.contains("Index Scan")
                        || text.contains("Index Only Scan")
                        || text.contains("Bitmap Index Scan"),
                    "{filter:?}:\n{text}"
                );
                assert!(!text.contains("Seq Scan"), "{filter:?}:\n{text}");
            }
        }
    }
    assert_eq!(
        store
            .count_automations(&InventoryFilter {
                tool: Some(Tool::Zapier),
                ..Default::default()
            })
            .await
            .unwrap(),
        (0..10_000)
            .filter(|i| Tool::ALL[i % Tool::ALL.len()] == Tool::Zapier)
            .count() as u64
    );
}

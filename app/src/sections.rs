//! The screens named in the navigation, with what each one is for.

/// One entry of the main navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Inventory,
    Orchestrations,
    Reviews,
    Deliveries,
    Incidents,
    Admin,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Dashboard,
        Section::Inventory,
        Section::Orchestrations,
        Section::Reviews,
        Section::Deliveries,
        Section::Incidents,
        Section::Admin,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Dashboard => "Dashboard",
            Section::Inventory => "Inventory",
            Section::Orchestrations => "Orchestrations",
            Section::Reviews => "Reviews",
            Section::Deliveries => "Deliveries",
            Section::Incidents => "Incidents",
            Section::Admin => "Admin",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Section::Dashboard => "/",
            Section::Inventory => "/inventory",
            Section::Orchestrations => "/orchestrations",
            Section::Reviews => "/reviews",
            Section::Deliveries => "/deliveries",
            Section::Incidents => "/incidents",
            Section::Admin => "/admin",
        }
    }

    /// One sentence on what the screen is for.
    pub fn purpose(self) -> &'static str {
        match self {
            Section::Dashboard => {
                "Every orchestration's health at a glance: what is failing or silent, who owns it, \
                 which reviews are due, and where a redesign would pay off most."
            }
            Section::Inventory => {
                "Every automation your company runs, in any tool: who owns it, what it does, \
                 and what happens if it fails silently."
            }
            Section::Orchestrations => {
                "The designed flows, each managed as a product: owner, purpose, inputs and outputs, \
                 failure mode, runbook and health."
            }
            Section::Reviews => {
                "The quarterly review board: what is due, overdue and done, with each decision \
                 and its action items."
            }
            Section::Deliveries => {
                "The log of every webhook and ping your tools sent, with what became of each."
            }
            Section::Incidents => {
                "Failures, missed runs and runs that took too long, one incident each until a \
                 success closes it: who was told, who acknowledged it, and what was held."
            }
            Section::Admin => {
                "Users and roles, teams, ingestion keys and secrets, alert channels and the audit log."
            }
        }
    }

    /// What the screen will show, for the placeholder until it lands.
    pub fn coming(self) -> &'static [&'static str] {
        match self {
            Section::Dashboard => &[],
            Section::Inventory => &[
                "Search and filter by tool, owner, team and risk",
                "CSV import with a report per bad row, and export",
            ],
            Section::Orchestrations => &[
                "The product card and health figures",
                "Run history, dependency graph and runbook",
            ],
            Section::Reviews => &[],
            Section::Deliveries => &["Every delivery with its outcome, filter and replay"],
            Section::Incidents => &["Open and past incidents, acknowledgement and escalation"],
            Section::Admin => &[],
        }
    }
}

//! The domain: what a caller asks for (independent of how it arrived, HTTP event or
//! direct invocation) and what a stored session holds.

mod record;

use std::fmt;

mod caller;

pub use caller::{Caller, Claims};

pub use record::{Doc, Epoch, SessionRecord};

/// Agno's `SessionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum SessionType {
    Agent,
    Team,
    Workflow,
}

impl SessionType {
    /// Every type, in Agno's order.
    pub const ALL: [SessionType; 3] =
        [SessionType::Agent, SessionType::Team, SessionType::Workflow];

    /// Exact, case-sensitive match, as FastAPI validates the enum.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "agent" => Some(SessionType::Agent),
            "team" => Some(SessionType::Team),
            "workflow" => Some(SessionType::Workflow),
            _ => None,
        }
    }

    /// The value in `?type=` and in the stored `session_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionType::Agent => "agent",
            SessionType::Team => "team",
            SessionType::Workflow => "workflow",
        }
    }

    /// `session_type.value.title()`, as used in AgentOS's 404 detail.
    pub fn title(self) -> &'static str {
        match self {
            SessionType::Agent => "Agent",
            SessionType::Team => "Team",
            SessionType::Workflow => "Workflow",
        }
    }
}

impl fmt::Display for SessionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which AgentOS the service answers as (`AGENTOS_VERSION`): the two differ in their
/// documents, their errors and how they read storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Contract {
    /// agno 2.1.10's AgentOS: the documented contract.
    #[default]
    V2_1,
    /// agno 3.1.10's AgentOS.
    V3_1,
}

impl Contract {
    /// `2.1` or `3.1` (a patch number such as `3.1.10` is accepted).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "2.1" | "2.1.10" => Some(Contract::V2_1),
            "3.1" | "3.1.10" => Some(Contract::V3_1),
            _ => None,
        }
    }

    /// The setting's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Contract::V2_1 => "2.1",
            Contract::V3_1 => "3.1",
        }
    }
}

/// A validated request for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    /// As the caller gave it (percent-decoded).
    pub session_id: String,
    /// `None` when the caller named no type: `agent` under AgentOS 2.1.10, the stored
    /// type under 3.1.10 (or when type detection is configured).
    pub session_type: Option<SessionType>,
    /// `None` when absent or empty: AgentOS treats both alike (`if not db_id`).
    pub db_id: Option<String>,
    /// As given: AgentOS 2.1.10 filters only on a non-empty user id, 3.1.10 on any
    /// given one (see [`SessionRequest::owner`]).
    pub user_id: Option<String>,
    /// AgentOS 3.x's `?table=`, `None` when absent or empty.
    pub table: Option<String>,
    /// Who asks (HTTP, once authenticated): decides whose sessions are readable.
    pub caller: Caller,
}

impl SessionRequest {
    /// A request; an empty `db_id` counts as absent.
    pub fn new(
        session_id: impl Into<String>,
        session_type: Option<SessionType>,
        db_id: Option<String>,
        user_id: Option<String>,
    ) -> Self {
        SessionRequest {
            session_id: session_id.into(),
            session_type,
            db_id: db_id.filter(|s| !s.is_empty()),
            user_id,
            table: None,
            caller: Caller::default(),
        }
    }

    /// As asked by `caller`.
    pub fn by(mut self, caller: Caller) -> Self {
        self.caller = caller;
        self
    }

    /// With AgentOS 3.x's `?table=` (empty counts as absent, as `if table`).
    pub fn with_table(mut self, table: Option<String>) -> Self {
        self.table = table.filter(|s| !s.is_empty());
        self
    }

    /// The user whose session this must be: 2.1.10 filters on `if user_id`, 3.1.10 on
    /// `user_id is not None`, so an empty `?user_id=` matches only an empty owner.
    pub fn owner(&self, contract: Contract) -> Option<&str> {
        match contract {
            Contract::V2_1 => self.user_id.as_deref().filter(|u| !u.is_empty()),
            Contract::V3_1 => self.user_id.as_deref(),
        }
    }
}

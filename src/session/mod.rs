//! The domain: what a caller asks for (independent of how it arrived, HTTP event or
//! direct invocation) and what a stored session holds.

mod record;

use std::fmt;

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

/// A validated request for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    /// As the caller gave it (percent-decoded).
    pub session_id: String,
    /// `None` when the caller named no type: `agent`, as AgentOS 2.1.10, unless type
    /// detection is configured.
    pub session_type: Option<SessionType>,
    /// `None` when absent or empty: AgentOS treats both alike (`if not db_id`).
    pub db_id: Option<String>,
    /// `None` when absent or empty: AgentOS only filters on a non-empty user id.
    pub user_id: Option<String>,
}

impl SessionRequest {
    /// A request; empty `db_id` and `user_id` count as absent.
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
            user_id: user_id.filter(|s| !s.is_empty()),
        }
    }
}

//! What a stored session holds, decoded only as far as rendering needs: ids and names as
//! text, documents as JSON text, timestamps as numbers. The store fills it; rendering
//! reads it.

/// A document-valued attribute (`session_data`, `runs`, …), as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc(String);

impl Doc {
    /// Wraps JSON text (not checked here: rendering reports what it cannot read).
    pub fn new(json: impl Into<String>) -> Self {
        Doc(json.into())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An epoch-seconds timestamp as stored: Agno writes integers, but floats happen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Epoch {
    /// Whole seconds.
    Int(i64),
    /// Seconds with a fraction (finite).
    Float(f64),
}

/// The attributes of a session item that the detail documents use.
#[derive(Debug, Clone, Default, PartialEq)]
#[allow(missing_docs)] // Agno's attribute names.
pub struct SessionRecord {
    pub session_id: String,
    pub session_type: Option<String>,
    pub user_id: Option<String>,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub workflow_id: Option<String>,
    pub workflow_name: Option<String>,
    pub session_data: Option<Doc>,
    pub agent_data: Option<Doc>,
    pub team_data: Option<Doc>,
    pub workflow_data: Option<Doc>,
    pub metadata: Option<Doc>,
    pub runs: Option<Doc>,
    pub summary: Option<Doc>,
    pub created_at: Option<Epoch>,
    pub updated_at: Option<Epoch>,
}

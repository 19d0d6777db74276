//! What a stored session holds, decoded only as far as rendering needs: ids and names as
//! text, documents as JSON text, timestamps as numbers. The store fills it; rendering
//! reads it.

use std::sync::OnceLock;

use crate::json_string;

/// A document-valued attribute (`session_data`, `runs`, …), as JSON text.
///
/// It may be held as DynamoDB wrote it: the contents of a JSON string, still escaped
/// (the store's `runs`). The history is read from that form; the plain text is made
/// from it when something else reads the document.
#[derive(Debug, Clone)]
pub struct Doc {
    text: String,
    /// Held escaped: what the unescaped text needs to be read as JSON (Python's
    /// non-finite numbers, replaced by the store).
    escaped: Option<fn(String) -> String>,
    plain: OnceLock<String>,
}

impl Doc {
    /// Wraps JSON text (not checked here: rendering reports what it cannot read).
    pub fn new(json: impl Into<String>) -> Self {
        Doc {
            text: json.into(),
            escaped: None,
            plain: OnceLock::new(),
        }
    }

    /// Wraps the contents of a JSON string whose value is JSON text, escaped as in the
    /// string and checked as JSON string contents already; `finish` makes the unescaped
    /// text JSON (the history scanner reads only what needs no finishing).
    pub(crate) fn escaped(contents: String, finish: fn(String) -> String) -> Self {
        Doc {
            text: contents,
            escaped: Some(finish),
            plain: OnceLock::new(),
        }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        let Some(finish) = self.escaped else {
            return &self.text;
        };
        self.plain
            .get_or_init(|| finish(json_string::unescape_checked(&self.text)))
    }

    /// The length of the text as held (escaped, a little more than the JSON text's).
    pub fn held_len(&self) -> usize {
        self.text.len()
    }

    /// For text held escaped, whether it has been unescaped to be read as JSON text
    /// since (`None`: held as JSON text). For tests: the one-pass way never does.
    #[doc(hidden)]
    pub fn unescaped(&self) -> Option<bool> {
        self.escaped.map(|_| self.plain.get().is_some())
    }

    /// The JSON text still escaped as a JSON string's contents, when it is held so.
    pub(crate) fn as_escaped(&self) -> Option<&str> {
        self.escaped.map(|_| self.text.as_str())
    }
}

impl PartialEq for Doc {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
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

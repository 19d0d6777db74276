//! A JSON object written entry by entry, as serde_json writes a struct: how a document
//! puts text that is JSON already (the chat history, stored values) among its
//! serialized fields.

use serde::Serialize;

use super::RenderError;

pub struct Object<'o> {
    pub out: &'o mut Vec<u8>,
    empty: bool,
    /// Written inside a JSON string: a quote is `\"`.
    escaped: bool,
}

impl<'o> Object<'o> {
    /// Opens an object at the end of `out`.
    pub fn open(out: &'o mut Vec<u8>) -> Self {
        Self::open_as(out, false)
    }

    /// Opens an object at the end of `out`, written as JSON text or (`escaped`) as
    /// that text escaped as a JSON string's contents. Only keys are written escaped
    /// here: values put in must be so already.
    pub fn open_as(out: &'o mut Vec<u8>, escaped: bool) -> Self {
        out.push(b'{');
        Object {
            out,
            empty: true,
            escaped,
        }
    }

    /// Writes `"key":`. Keys are field names, which need no escaping.
    pub fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        // Quotes of a known length are copied without a call.
        match self.escaped {
            true => {
                self.out.extend_from_slice(b"\\\"");
                self.out.extend_from_slice(key.as_bytes());
                self.out.extend_from_slice(b"\\\":");
            }
            false => {
                self.out.push(b'"');
                self.out.extend_from_slice(key.as_bytes());
                self.out.extend_from_slice(b"\":");
            }
        }
    }

    /// An entry whose value is JSON text already.
    pub fn put(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.extend_from_slice(json.as_bytes());
    }

    /// An entry serialized by serde_json (`None` as `null`).
    pub fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), RenderError> {
        self.key(key);
        serde_json::to_writer(&mut *self.out, value).map_err(|source| RenderError::Json {
            attribute: "document",
            source,
        })
    }

    /// An entry left out when `None` (`response_model_exclude_none`).
    pub fn some<T: Serialize>(&mut self, key: &str, value: &Option<T>) -> Result<(), RenderError> {
        match value {
            Some(value) => self.field(key, value),
            None => Ok(()),
        }
    }

    /// Whether nothing has been written into it.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    pub fn close(self) {
        self.out.push(b'}');
    }
}

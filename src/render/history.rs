//! The chat history of agent and team documents, read straight from the stored `runs`
//! text.
//!
//! Reading every run into serde's structures and writing the messages back cost about
//! twice a plain parse of the text (callgrind, a 350 KB session: 5.8 M instructions
//! against serde_json's 3.2 M for validating alone). The scanner here walks the text
//! once, checking it as serde_json checks it, and copies each kept message's values as
//! they are stored, in `Message.to_dict()`'s order (3.7 M for that session, output
//! included). It takes the shapes Agno stores; on
//! anything else (media, references, keys with escapes, repeated fields, deep nesting,
//! malformed text) it gives up, and the serde path renders the runs (and names the
//! error) as it always has. The two are compared on every golden session and by a fuzz
//! target (`fuzz/fuzz_targets/history.rs`).
//!
//! The runs DynamoDB answers are read still escaped as the answer's JSON string (a
//! quote is `\"` there), and the history is written escaped the same way: Lambda's
//! response carries the document as a JSON string too, so the kept values are copied
//! from one string into the other without being unescaped and escaped again.

use std::borrow::Cow;
use std::ops::Range;

use super::RenderError;
use super::json::{Int, empty_container, truthy};
use super::message::{METRICS_V3_KEYS, Message, content_text, v3_kept};
use super::object::Object;
use super::parts::Runs;
use crate::json_string::{skip_plain, specials_from, unescape_checked};
use crate::session::{Contract, Doc};

/// Which stored runs a document loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// Every run (agno 2.1.10's agent sessions).
    Every,
    /// Runs that have an `agent_id` or a `team_id`, even `null` (the others).
    AgentOrTeam,
}

/// A loaded run, as far as session names read it: JSON text, borrowed from the runs
/// (still escaped where the runs are).
#[derive(Debug, Default, Clone, Copy)]
pub struct RunHead<'a> {
    /// `agent_id` is truthy.
    pub has_agent: bool,
    /// The `content` of the run's first user message, unless missing or `null`.
    user_content: Option<&'a str>,
    /// The `content` of its first user message whose content is truthy.
    truthy_user_content: Option<&'a str>,
    /// `input`, unless missing or `null`.
    input: Option<&'a str>,
    /// Whether a user message has been read (while scanning).
    seen_user: bool,
    /// The texts are escaped as a JSON string's contents.
    escaped: bool,
}

impl<'a> RunHead<'a> {
    /// agno 2.1.10's name from a run: its first user message's content as text.
    pub fn first_user_text(&self) -> Cow<'_, str> {
        self.user_content()
            .and_then(|content| text_of(content, Contract::V2_1))
            .unwrap_or_default()
    }

    /// The content of the run's first user message whose content is truthy, as text
    /// (agno 3.x).
    pub fn truthy_user_text(&self) -> Option<Cow<'_, str>> {
        self.truthy_user_content()
            .and_then(|content| text_of(content, Contract::V3_1))
    }

    fn plain(&self, text: Option<&'a str>) -> Option<Cow<'_, str>> {
        match text {
            Some(text) if self.escaped => Some(Cow::Owned(unescape_checked(text))),
            Some(text) => Some(Cow::Borrowed(text)),
            None => None,
        }
    }

    /// JSON text: the first user message's content, unless missing or `null`.
    pub fn user_content(&self) -> Option<Cow<'_, str>> {
        self.plain(self.user_content)
    }

    /// JSON text: the first truthy content of a user message.
    pub fn truthy_user_content(&self) -> Option<Cow<'_, str>> {
        self.plain(self.truthy_user_content)
    }

    /// JSON text: the run's `input`, unless missing or `null`.
    pub fn input(&self) -> Option<Cow<'_, str>> {
        self.plain(self.input)
    }
}

/// `content_text` of a content that may be owned.
fn text_of(content: Cow<'_, str>, contract: Contract) -> Option<Cow<'_, str>> {
    match content {
        Cow::Borrowed(content) => content_text(content, contract),
        Cow::Owned(content) => content_text(&content, contract).map(|t| Cow::Owned(t.into_owned())),
    }
}

/// The loaded runs: their chat history, and their heads for names.
pub struct History<'a> {
    messages: Messages<'a>,
    /// The loaded runs, in stored order.
    pub heads: Vec<RunHead<'a>>,
}

enum Messages<'a> {
    /// The JSON array, written by the scanner.
    Scanned(Vec<u8>),
    /// The JSON array, written by the scanner as a JSON string's contents (from runs
    /// held so).
    ScannedEscaped(Vec<u8>),
    /// Read by serde, for serde to write.
    Parsed(Vec<Message<'a>>),
}

impl<'a> History<'a> {
    /// The runs `loaded` keeps, read from `doc` with `contract`'s rules.
    pub fn read(
        doc: Option<&'a Doc>,
        contract: Contract,
        loaded: Loaded,
    ) -> Result<Self, RenderError> {
        let scanned = match doc {
            Some(doc) => match doc.as_escaped() {
                Some(escaped) => scan::<true>(escaped, contract, loaded),
                None => scan::<false>(doc.as_str(), contract, loaded),
            },
            None => None,
        };
        match scanned {
            Some(history) => Ok(history),
            None => Self::parse(doc, contract, loaded),
        }
    }

    /// The serde path: what [`History::read`] answers when the scanner gives up.
    pub fn parse(
        doc: Option<&'a Doc>,
        contract: Contract,
        loaded: Loaded,
    ) -> Result<Self, RenderError> {
        let mut runs = Runs::parse_if_first_is_object(doc)?;
        if loaded == Loaded::AgentOrTeam {
            runs.0
                .retain(|run| run.agent_id.is_some() || run.team_id.is_some());
        }
        let heads = runs
            .0
            .iter()
            .map(|run| {
                let users = || run.messages.iter().flatten().filter(|m| m.role == "user");
                RunHead {
                    has_agent: run.has_agent(),
                    user_content: users().next().and_then(|m| m.content).map(|c| c.get()),
                    truthy_user_content: users()
                        .filter_map(|m| m.content)
                        .find(|c| truthy(c.get()))
                        .map(|c| c.get()),
                    input: run.input.map(|i| i.get()),
                    seen_user: false,
                    escaped: false,
                }
            })
            .collect();
        Ok(History {
            messages: Messages::Parsed(runs.into_chat_history(contract)),
            heads,
        })
    }

    /// Appends the chat history, a JSON array, to `out`; answers where it is, when it
    /// is written escaped as a JSON string's contents.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<Option<Range<usize>>, RenderError> {
        match &self.messages {
            Messages::Scanned(json) => out.extend_from_slice(json),
            Messages::ScannedEscaped(json) => {
                let start = out.len();
                out.extend_from_slice(json);
                return Ok(Some(start..out.len()));
            }
            Messages::Parsed(messages) => {
                serde_json::to_writer(out, messages).map_err(|source| RenderError::Json {
                    attribute: "document",
                    source,
                })?
            }
        }
        Ok(None)
    }
}

/// The scanner against the serde path on one stored `runs` text, for every contract and
/// set of loaded runs (for tests and the fuzz target), on the text and on the text
/// escaped as DynamoDB's answer holds it: `Err` describes a difference. `Ok(n)`: how
/// many of the four the scanner read.
pub fn check_scanner(text: &str) -> Result<usize, String> {
    let doc = Doc::new(text);
    let quoted = serde_json::to_string(text).map_err(|e| e.to_string())?;
    let escaped = &quoted[1..quoted.len() - 1];
    let mut scanned = 0;
    for contract in [Contract::V2_1, Contract::V3_1] {
        for loaded in [Loaded::Every, Loaded::AgentOrTeam] {
            let case = format!("{contract:?} {loaded:?}");
            let fast = scan::<false>(text, contract, loaded);
            let fast_escaped = scan::<true>(escaped, contract, loaded);
            // Escaping changes strings' insides, which both read alike, and whitespace
            // other than spaces, which the escaped one leaves to serde.
            let plain_spaces = !text.contains(['\n', '\r', '\t']);
            if fast_escaped.is_some() != (fast.is_some() && plain_spaces) {
                return Err(format!(
                    "{case}: scanned {}, escaped {}",
                    fast.is_some(),
                    fast_escaped.is_some()
                ));
            }
            let Some(fast) = fast else {
                continue;
            };
            scanned += 1;
            let slow = super::reading_as(contract, || History::parse(Some(&doc), contract, loaded))
                .map_err(|e| format!("{case}: scanned, but serde says {e}"))?;
            let written = |history: &History| {
                let mut out = Vec::new();
                history.write(&mut out).map(|range| {
                    let text = String::from_utf8_lossy(&out).into_owned();
                    match range {
                        Some(range) if range == (0..out.len()) => unescape_checked(&text),
                        Some(_) => "an escaped part".into(),
                        None => text,
                    }
                })
            };
            let heads = |history: &History| {
                let heads: Vec<_> = history
                    .heads
                    .iter()
                    .map(|h| {
                        let text = |t: Option<Cow<str>>| t.map(Cow::into_owned);
                        (
                            h.has_agent,
                            text(h.user_content()),
                            text(h.truthy_user_content()),
                            text(h.input()),
                        )
                    })
                    .collect();
                format!("{heads:?}")
            };
            let slow_json = written(&slow);
            for (way, fast) in [("scanned", Some(&fast)), ("escaped", fast_escaped.as_ref())] {
                let Some(fast) = fast else { continue };
                let fast_json = written(fast);
                if fast_json.as_ref().ok() != slow_json.as_ref().ok() {
                    return Err(format!(
                        "{case}: {way} {fast_json:?}\nserde   {slow_json:?}"
                    ));
                }
                if heads(fast) != heads(&slow) {
                    return Err(format!(
                        "{case}: {way} heads {}\nserde {}",
                        heads(fast),
                        heads(&slow)
                    ));
                }
            }
        }
    }
    Ok(scanned)
}

/// `None`: a shape the scanner leaves to serde.
type Got<T> = Option<T>;

/// serde_json refuses nesting deeper than 127 levels; deep text goes serde's way.
const MAX_DEPTH: u32 = 100;

/// A list of field names, and a table to find a key among them with one comparison: a
/// hash of the key's length and first, middle and last bytes, collision-free for each
/// list (checked when compiled; a new name that collides needs other multipliers).
struct Names<const N: usize> {
    names: [&'static str; N],
    slots: [u8; 128],
}

const fn slot(key: &[u8]) -> usize {
    if key.is_empty() {
        return 0;
    }
    (key.len()
        + key[0] as usize * 7
        + key[key.len() / 2] as usize
        + key[key.len() - 1] as usize * 10)
        & 127
}

impl<const N: usize> Names<N> {
    const fn new(names: [&'static str; N]) -> Self {
        let mut slots = [u8::MAX; 128];
        let mut i = 0;
        while i < N {
            let at = slot(names[i].as_bytes());
            assert!(slots[at] == u8::MAX, "two names share a slot");
            slots[at] = i as u8;
            i += 1;
        }
        Names { names, slots }
    }

    fn index(&self, key: &str) -> Option<usize> {
        let i = usize::from(self.slots[slot(key.as_bytes())]);
        (self.names.get(i) == Some(&key)).then_some(i)
    }
}

/// The fields of a stored message, in `Message.to_dict()`'s order: all of them, since
/// serde refuses any of them repeated.
const FIELDS: Names<25> = Names::new([
    "id",
    "content",
    "reasoning_content",
    "from_history",
    "compressed_content",
    "stop_after_tool_call",
    "role",
    "name",
    "tool_call_id",
    "tool_name",
    "tool_args",
    "tool_call_error",
    "tool_calls",
    "redacted_reasoning_content",
    "provider_data",
    "checkpoint_status",
    "checkpoint_created_at",
    "images",
    "audio",
    "videos",
    "files",
    "audio_output",
    "references",
    "metrics",
    "created_at",
]);
const CONTENT: usize = 1;
const FROM_HISTORY: usize = 3;
const COMPRESSED_CONTENT: usize = 4;
const STOP_AFTER_TOOL_CALL: usize = 5;
const ROLE: usize = 6;
/// `name` to `provider_data`: passed through like `id`.
const PLAIN: std::ops::Range<usize> = 7..15;
const CHECKPOINT: std::ops::Range<usize> = 15..17;
/// Media and references: the serde path.
const MEDIA: std::ops::Range<usize> = 17..23;
const METRICS: usize = 23;
const CREATED_AT: usize = 24;

/// The fields of a stored run that `Run` reads (serde refuses them repeated).
const RUN_FIELDS: Names<8> = Names::new([
    "agent_id",
    "team_id",
    "messages",
    "input",
    "parent_run_id",
    "agent_name",
    "team_name",
    "metrics",
]);

/// agno 2.1.10's `Metrics` fields in `to_dict()` order: nine integers, two floats, two
/// dicts.
const METRICS_V2: Names<13> = Names::new([
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "audio_input_tokens",
    "audio_output_tokens",
    "audio_total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "time_to_first_token",
    "duration",
    "provider_metrics",
    "additional_metrics",
]);

/// agno 3.1.10's `MessageMetrics` fields.
const METRICS_V3: Names<13> = Names::new(METRICS_V3_KEYS);

/// The history read from `text`: stored runs, or (`E`) stored runs escaped as a JSON
/// string's contents, as DynamoDB's answer holds them. Escaped, the history is written
/// escaped too, its values copied as the answer escaped them: any escaping of the same
/// text is the same JSON string.
fn scan<const E: bool>(text: &str, contract: Contract, loaded: Loaded) -> Got<History<'_>> {
    let mut scanner = Scanner::<E> {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
        contract,
        loaded,
        out: Vec::with_capacity(text.len() + 2),
        metrics: Vec::new(),
        heads: Vec::new(),
    };
    scanner.out.push(b'[');
    match scanner.peek()? {
        b'n' => scanner.literal(b"null")?,
        b'[' => scanner.runs()?,
        _ => return None,
    }
    scanner.ws();
    if scanner.at != text.len() {
        return None;
    }
    scanner.out.push(b']');
    Some(History {
        messages: match E {
            true => Messages::ScannedEscaped(scanner.out),
            false => Messages::Scanned(scanner.out),
        },
        heads: scanner.heads,
    })
}

/// `E`: the text is escaped as a JSON string's contents, so a quote is `\"` and a
/// backslash `\\`; any other escape of the outer string (DynamoDB's, of a control
/// character or a `/`) is left to the plain text's way.
struct Scanner<'a, const E: bool> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: u32,
    contract: Contract,
    loaded: Loaded,
    /// The chat history so far, from its `[`.
    out: Vec<u8>,
    /// A message's metrics, written before it is known whether any are kept.
    metrics: Vec<u8>,
    heads: Vec<RunHead<'a>>,
}

impl<'a, const E: bool> Scanner<'a, E> {
    #[inline(always)]
    fn ws(&mut self) {
        // `json.dumps` puts one space after `,` and `:`; other writers none or more.
        if self.bytes.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace.
    #[inline(always)]
    fn peek(&mut self) -> Got<u8> {
        self.ws();
        self.bytes.get(self.at).copied()
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Got<()> {
        self.eat(byte).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> Got<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// Past an opening bracket.
    fn enter(&mut self) -> Got<()> {
        self.depth += 1;
        self.at += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// The elements of an array or the entries of an object, `each` reading one; past
    /// the closing bracket.
    fn items(&mut self, close: u8, mut each: impl FnMut(&mut Self) -> Got<()>) -> Got<()> {
        self.enter()?;
        if !self.eat(close) {
            loop {
                each(self)?;
                if !self.eat(b',') {
                    self.expect(close)?;
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// Whether a quote starts at `self.at`.
    #[inline(always)]
    fn at_quote(&self) -> bool {
        match E {
            true => self.bytes.get(self.at..self.at + 2) == Some(b"\\\""),
            false => self.bytes.get(self.at) == Some(&b'"'),
        }
    }

    /// A string at `self.at`, quotes included, and whether it has an escape.
    #[inline(always)]
    fn string(&mut self) -> Got<(&'a str, bool)> {
        if E {
            return self.escaped_string();
        }
        let start = self.at;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            i = skip_plain(self.bytes, i);
            match self.bytes.get(i)? {
                b'"' => {
                    self.at = i + 1;
                    return Some((&self.text[start..self.at], escaped));
                }
                b'\\' => {
                    escaped = true;
                    i += match self.bytes.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                        b'u' if self
                            .bytes
                            .get(i + 2..i + 6)?
                            .iter()
                            .all(u8::is_ascii_hexdigit) =>
                        {
                            6
                        }
                        _ => return None,
                    };
                }
                // A control character.
                _ => return None,
            }
        }
    }

    /// [`Self::string`] in escaped text: `\"…\"`, an escape of the string inside being
    /// `\\` and its letter (`\"` and `\\` escaped once more).
    #[inline(always)]
    fn escaped_string(&mut self) -> Got<(&'a str, bool)> {
        let start = self.at;
        if !self.at_quote() {
            return None;
        }
        let bytes = self.bytes;
        // Most strings (keys, ids, roles) end at their first special byte.
        let first = skip_plain(bytes, start + 2);
        if bytes.get(first..first + 2) == Some(b"\\\"") {
            self.at = first + 2;
            return Some((&self.text[start..self.at], false));
        }
        let mut escaped = false;
        // Else the special bytes of the 64 from `base` not read yet, a bit each: found
        // at once, as escapes come every few bytes in stored messages.
        let mut base = first;
        let mut specials = specials_from(bytes, base);
        loop {
            if specials == 0 {
                base += 64;
                if base >= bytes.len() {
                    return None;
                }
                specials = specials_from(bytes, base);
                continue;
            }
            let i = base + specials.trailing_zeros() as usize;
            if bytes[i] != b'\\' {
                // A quote of the outer string, or a control character.
                return None;
            }
            let next = match bytes.get(i + 1)? {
                b'"' => {
                    self.at = i + 2;
                    return Some((&self.text[start..self.at], escaped));
                }
                b'\\' => {
                    escaped = true;
                    i + match bytes.get(i + 2)? {
                        b'\\' => match self.bytes.get(i + 3)? {
                            b'"' | b'\\' => 4,
                            _ => return None,
                        },
                        b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 3,
                        b'u' if bytes.get(i + 3..i + 7)?.iter().all(u8::is_ascii_hexdigit) => 7,
                        _ => return None,
                    }
                }
                _ => return None,
            };
            // Past the escape: the specials before `next` are read.
            match next - base {
                read @ 0..64 => specials &= u64::MAX << read,
                _ => {
                    base = next;
                    specials = specials_from(bytes, base);
                }
            }
        }
    }

    /// The text of a string value without escapes inside, unquoted.
    fn bare(value: &'a str) -> Got<&'a str> {
        let quote = if E { "\\\"" } else { "\"" };
        let inner = value.strip_prefix(quote)?.strip_suffix(quote)?;
        (!inner.contains('\\')).then_some(inner)
    }

    /// Python truthiness of a value's text.
    fn truthy(value: &str) -> bool {
        match E && value.starts_with('\\') {
            // A string: `\"\"` is the empty one.
            true => value.len() > 4,
            false => truthy(value),
        }
    }

    /// An object key without escapes (as serde matches field names), and its colon.
    #[inline]
    fn key(&mut self) -> Got<&'a str> {
        self.peek()?;
        if !self.at_quote() {
            return None;
        }
        let (key, escaped) = self.string()?;
        self.expect(b':')?;
        let quote = if E { 2 } else { 1 };
        (!escaped).then(|| &key[quote..key.len() - quote])
    }

    fn number(&mut self) -> Got<()> {
        let b = self.bytes;
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = self.at + usize::from(b.get(self.at) == Some(&b'-'));
        i = match b.get(i)? {
            b'0' => i + 1,
            b'1'..=b'9' => digits(i + 1),
            _ => return None,
        };
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return None;
            }
            i = end;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
            let end = digits(i);
            if end == i {
                return None;
            }
            i = end;
        }
        self.at = i;
        Some(())
    }

    /// Any value, checked; its text.
    fn value(&mut self) -> Got<&'a str> {
        let start = match self.peek()? {
            b'"' if !E => return self.string().map(|(text, _)| text),
            b'\\' if E => return self.string().map(|(text, _)| text),
            _ => self.at,
        };
        match self.bytes[start] {
            b'{' => self.items(b'}', |s| s.key().and_then(|_| s.value()).map(drop))?,
            b'[' => self.items(b']', |s| s.value().map(drop))?,
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        Some(&self.text[start..self.at])
    }

    /// The stored list of runs. Elements that are not objects go serde's way: Agno
    /// skips them, or loads no runs at all when the first is one, and serde reads them
    /// as values (numbers as `f64`, strings with their escapes checked).
    fn runs(&mut self) -> Got<()> {
        self.items(b']', |s| match s.peek()? {
            b'{' => s.run(),
            _ => None,
        })
    }

    fn run(&mut self) -> Got<()> {
        let mark = self.out.len();
        let mut seen = 0u8;
        let mut head = RunHead {
            escaped: E,
            ..RunHead::default()
        };
        let (mut agent_or_team, mut member) = (false, false);
        self.items(b'}', |s| {
            let key = s.key()?;
            if let Some(field) = RUN_FIELDS.index(key) {
                if seen & 1 << field != 0 {
                    return None;
                }
                seen |= 1 << field;
            }
            match key {
                "messages" => match s.peek()? {
                    b'n' => s.literal(b"null")?,
                    b'[' => s.items(b']', |s| s.message(&mut head))?,
                    _ => return None,
                },
                _ => {
                    let value = s.value()?;
                    match key {
                        "agent_id" => {
                            agent_or_team = true;
                            head.has_agent = Self::truthy(value);
                        }
                        "team_id" => agent_or_team = true,
                        "input" => head.input = (value != "null").then_some(value),
                        "parent_run_id" => member = value != "null",
                        _ => {}
                    }
                }
            }
            Some(())
        })?;
        let loaded = self.loaded == Loaded::Every || agent_or_team;
        // agno 3.x leaves a team's member runs out of the chat history.
        if !loaded || (self.contract == Contract::V3_1 && member) {
            self.out.truncate(mark);
        }
        if loaded {
            self.heads.push(head);
        }
        Some(())
    }

    /// One stored message: appended to the history as `to_dict()` writes it, unless
    /// the history leaves it out.
    fn message(&mut self, head: &mut RunHead<'a>) -> Got<()> {
        if self.peek()? != b'{' {
            return None;
        }
        let mut values: [Option<&'a str>; 25] = [None; 25];
        let mut metrics = MetricsRead::default();
        self.items(b'}', |s| {
            let key = s.key()?;
            let field = FIELDS.index(key);
            let value = match field {
                Some(METRICS) if s.peek()? == b'{' => s.metrics(&mut metrics)?,
                _ => s.value()?,
            };
            if let Some(field) = field
                && values[field].replace(value).is_some()
            {
                return None;
            }
            Some(())
        })?;
        if values[MEDIA].iter().any(Option::is_some) {
            return None;
        }
        let flag = |value: Option<&str>| match value {
            None | Some("false") => Some(false),
            Some("true") => Some(true),
            Some(_) => None,
        };
        let from_history = flag(values[FROM_HISTORY])?;
        let stop_after_tool_call = flag(values[STOP_AFTER_TOOL_CALL])?;
        let role = values[ROLE]?;
        let role_name = Self::bare(role)?;
        let content = values[CONTENT].filter(|c| *c != "null");
        if role_name == "user" {
            if !head.seen_user {
                head.seen_user = true;
                head.user_content = content;
            }
            if head.truthy_user_content.is_none() && content.is_some_and(Self::truthy) {
                head.truthy_user_content = content;
            }
        }
        // The metrics and `created_at` are read even when the message is left out, as
        // serde reads them.
        let metrics = self.write_metrics(values[METRICS], &metrics)?;
        let created_at = match values[CREATED_AT] {
            None | Some("null") => None,
            Some(text) => match integer_text(text) {
                Some(text) => Some(CreatedAt::Text(text)),
                None => Some(CreatedAt::Int(Int::from_json(text)?)),
            },
        };
        let v3 = self.contract == Contract::V3_1;
        if from_history || (v3 && matches!(role_name, "system" | "tool")) {
            return Some(());
        }

        if self.out.len() > 1 {
            self.out.push(b',');
        }
        let mut object = Object::open_as(&mut self.out, E);
        for (field, value) in values.iter().enumerate().take(3) {
            kept(&mut object, field, *value);
        }
        object.put("from_history", "false");
        if v3 {
            kept(&mut object, COMPRESSED_CONTENT, values[COMPRESSED_CONTENT]);
        }
        object.put(
            "stop_after_tool_call",
            if stop_after_tool_call {
                "true"
            } else {
                "false"
            },
        );
        object.put("role", role);
        for field in PLAIN {
            kept(&mut object, field, values[field]);
        }
        if v3 {
            for field in CHECKPOINT {
                kept(&mut object, field, values[field]);
            }
        }
        if metrics {
            object.key("metrics");
            object.out.extend_from_slice(&self.metrics);
        }
        match created_at {
            Some(CreatedAt::Text(text)) => object.put("created_at", text),
            Some(CreatedAt::Int(int)) => {
                object.key("created_at");
                serde_json::to_writer(&mut *object.out, &int).ok()?;
            }
            None => {}
        }
        object.close();
        Some(())
    }

    /// A message's `metrics` object, its entries read into `read`; its text.
    fn metrics(&mut self, read: &mut MetricsRead<'a>) -> Got<&'a str> {
        let start = self.at;
        let names = self.metrics_names();
        // Each field's value: the last one (agno 3.x's dict), or none when repeated
        // (agno 2.1.10's, which serde refuses).
        *read = MetricsRead::default();
        self.items(b'}', |s| {
            let (key, value) = (s.key()?, s.value()?);
            if let Some(field) = names.index(key) {
                read.repeated |= read.values[field].replace(value).is_some();
            }
            Some(())
        })?;
        Some(&self.text[start..self.at])
    }

    fn metrics_names(&self) -> &'static Names<13> {
        match self.contract {
            Contract::V2_1 => &METRICS_V2,
            Contract::V3_1 => &METRICS_V3,
        }
    }

    /// A message's `metrics` (read into `read`) as `to_dict()` writes them, into
    /// `self.metrics`; whether there are any.
    fn write_metrics(&mut self, metrics: Option<&'a str>, read: &MetricsRead<'a>) -> Got<bool> {
        self.metrics.clear();
        let Some(text) = metrics.filter(|m| *m != "null") else {
            return Some(false);
        };
        if !text.starts_with('{') {
            return None;
        }
        let names = self.metrics_names();
        let (values, repeated) = (read.values, read.repeated);
        let mut object = Object::open_as(&mut self.metrics, E);
        match self.contract {
            Contract::V2_1 if repeated => return None,
            Contract::V2_1 => {
                for (field, (key, value)) in names.names.iter().zip(values).enumerate() {
                    let Some(value) = value else { continue };
                    match field {
                        0..9 => match integer_text(value) {
                            Some("0") => {}
                            Some(text) => object.put(key, text),
                            None => {
                                let int = Int::from_json(value)?;
                                if !int.is_zero() {
                                    object.key(key);
                                    serde_json::to_writer(&mut *object.out, &int).ok()?;
                                }
                            }
                        },
                        9 | 10 if float_as_written(value) => object.put(key, value),
                        9 | 10 => {
                            let float: Option<f64> = serde_json::from_str(value).ok()?;
                            if float != Some(0.0) {
                                object.key(key);
                                serde_json::to_writer(&mut *object.out, &float).ok()?;
                            }
                        }
                        _ => {
                            if value != "null" && !empty_container(value) {
                                object.put(key, value);
                            }
                        }
                    }
                }
            }
            Contract::V3_1 => {
                for (key, value) in names.names.iter().zip(values) {
                    if let Some(value) = value.filter(|v| v3_kept(key, v)) {
                        object.put(key, value);
                    }
                }
            }
        }
        let empty = object.is_empty();
        object.close();
        Some(!empty)
    }
}

/// The entries of a message's `metrics` that `to_dict()` writes, as read.
#[derive(Default)]
struct MetricsRead<'a> {
    values: [Option<&'a str>; 13],
    /// A field was repeated.
    repeated: bool,
}

/// The text serde_json writes for an `int` stored as this JSON integer literal: the
/// literal itself (JSON has no leading zeros), `0` for `-0`. `None` for other numbers.
fn integer_text(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if digits == "0" { "0" } else { text })
}

/// Whether serde_json writes the `f64` this JSON number reads as with the same text,
/// so that it can be copied: a decimal fraction not ending in 0, without exponent, of at
/// most 15 significant digits (so no other text as short reads as the same `f64`, and
/// ryu's shortest form has these digits; serde_json reads it exactly, one division by
/// a power of ten) and at most four zeros after the point before them (ryu writes
/// smaller numbers with an exponent).
fn float_as_written(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let Some((int, fraction)) = unsigned.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(fraction) || fraction.ends_with('0') {
        return false;
    }
    let significant = if int == "0" {
        let zeros = fraction.len() - fraction.trim_start_matches('0').len();
        if zeros > 4 {
            return false;
        }
        fraction.len() - zeros
    } else {
        int.len() + fraction.len()
    };
    significant <= 15
}

/// A message's `created_at`, as it is written.
enum CreatedAt<'a> {
    /// An integer literal, written as serde_json writes its value.
    Text(&'a str),
    Int(Int),
}

/// A message field `to_dict()` keeps unless it is `None` or an empty list or dict.
fn kept(object: &mut Object, field: usize, value: Option<&str>) {
    if let Some(value) = value.filter(|v| *v != "null" && !empty_container(v)) {
        object.put(FIELDS.names[field], value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scans(text: &str) -> usize {
        check_scanner(text).unwrap_or_else(|e| panic!("{text}\n{e}"))
    }

    #[test]
    fn agno_shapes_are_scanned_and_agree_with_serde() {
        let runs = r#"[
          {"run_id": "r1", "agent_id": "a", "input": {"input_content": "hi"}, "messages": [
            {"role": "system", "content": "Be brief.", "id": "m0", "created_at": 5},
            {"id": "m1", "content": "caf\u00e9 \"q\"\n", "from_history": false,
             "stop_after_tool_call": false, "role": "user", "images": null,
             "created_at": 1757088129},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1"}],
             "metrics": {"input_tokens": 3, "output_tokens": 0, "duration": 0.5,
                         "time_to_first_token": 1, "provider_metrics": {}, "other": [1]},
             "tool_call_error": false, "name": "", "reasoning_content": []},
            {"role": "tool", "content": "42", "tool_call_id": "c1", "metrics": {"duration": null},
             "compressed_content": "4", "checkpoint_status": "done", "created_at": 7.0},
            {"role": "user", "content": "old", "from_history": true, "metrics": {"cost": 0}}
          ], "metrics": {"steps": 1}},
          {"team_id": null, "parent_run_id": "r1", "messages": [{"role": "user", "content": ""},
            {"role": "user", "content": "member"}]},
          {"messages": null},
          {"agent_id": "", "team_id": "t", "messages": [{"role": "user", "content": [{"type": "text", "text": "x"}],
            "metrics": {"input_tokens": 0}}]}
        ]"#;
        // Without the images key the scanner takes every case.
        assert_eq!(scans(&runs.replace(r#" "images": null,"#, "")), 4);
        // Media go serde's way.
        assert_eq!(scans(runs), 0);
        assert_eq!(scans("null"), 4);
        assert_eq!(scans(" [ ] "), 4);
    }

    #[test]
    fn what_serde_refuses_or_reads_otherwise_is_left_to_it() {
        for text in [
            "",
            "{}",
            "[1, {}]",
            "[{}, 7]",
            "[{}, 1e400]",
            r#"[{}, "\ud800"]"#,
            r#"[{"messages": [{"role": "user"}]},]"#,
            r#"[{"messages": [{"content": "no role"}]}]"#,
            r#"[{"messages": [{"role": "user", "role": "user"}]}]"#,
            r#"[{"agent_id": 1, "agent_id": 2}]"#,
            r#"[{"messages": [{"role": "us\u0065r"}]}]"#,
            r#"[{"messages": [{"r\u006fle": "user"}]}]"#,
            r#"[{"messages": [{"role": "user", "from_history": 0}]}]"#,
            r#"[{"messages": [{"role": "user", "created_at": "5"}]}]"#,
            r#"[{"messages": [{"role": "user", "metrics": {"input_tokens": 1.5}}]}]"#,
            r#"[{"messages": [{"role": "user", "metrics": [1]}]}]"#,
            r#"[{"messages": [{"role": "user", "content": "\x"}]}]"#,
            r#"[{"messages": [{"role": "user", "content": 01}]}]"#,
            r#"[{"messages": [{"role": "user", "content": 1.}]}]"#,
            r#"[{"messages": [{"role": "user", "content": tru}]}]"#,
            r#"[{"messages": "no"}] x"#,
            "[{\"messages\": [{\"role\": \"user\", \"content\": \"a\tb\"}]}]",
        ] {
            check_scanner(text).unwrap_or_else(|e| panic!("{text}\n{e}"));
            assert_eq!(
                scan::<false>(text, Contract::V2_1, Loaded::Every).map(|h| h.heads.len()),
                None,
                "{text}"
            );
        }
        let deep = format!(r#"[{{"x": {}{}}}]"#, "[".repeat(120), "]".repeat(120));
        assert!(scan::<false>(&deep, Contract::V2_1, Loaded::Every).is_none());
        check_scanner(&deep).unwrap();
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("false".to_owned()),
            Just("0".to_owned()),
            Just("-0".to_owned()),
            Just("7.0".to_owned()),
            Just("1e2".to_owned()),
            Just("-12".to_owned()),
            Just("0.5".to_owned()),
            Just("99999999999999999999".to_owned()),
            Just("[]".to_owned()),
            Just("{ }".to_owned()),
            Just(r#""""#.to_owned()),
            "[a-z \\\\\"é\u{1F600}]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just(r#""\u00e9\n""#.to_owned()),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec(("[a-z_]{1,6}", inner), 0..3).prop_map(|v| {
                    let entries: Vec<String> =
                        v.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                    format!("{{{}}}", entries.join(", "))
                }),
            ]
        })
    }

    fn number() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "0",
            "-0",
            "7.0",
            "12",
            "0.5",
            "1e2",
            "99999999999999999999",
            "null",
            "{}",
        ])
        .prop_map(str::to_owned)
    }

    fn entries(
        keys: &'static [&'static str],
        max: usize,
        values: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = String> {
        prop::collection::vec((prop::sample::select(keys), values), 0..max).prop_map(|v| {
            let entries: Vec<String> = v.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            format!("{{{}}}", entries.join(", "))
        })
    }

    fn message() -> impl Strategy<Value = String> {
        const KEYS: &[&str] = &[
            "id",
            "content",
            "reasoning_content",
            "compressed_content",
            "name",
            "tool_call_id",
            "tool_args",
            "tool_calls",
            "provider_data",
            "checkpoint_status",
            "extra",
        ];
        const METRICS: &[&str] = &[
            "input_tokens",
            "output_tokens",
            "total_tokens",
            "reasoning_tokens",
            "duration",
            "time_to_first_token",
            "provider_metrics",
            "additional_metrics",
            "cost",
            "timer",
        ];
        (
            entries(KEYS, 6, value()),
            prop::sample::select(vec!["user", "assistant", "system", "tool"]),
            prop::option::of(entries(
                METRICS,
                4,
                prop_oneof![4 => number(), 1 => value()],
            )),
            prop::sample::select(vec![None, Some("true"), Some("false"), Some("null")]),
            prop::option::of(number()),
        )
            .prop_map(|(fields, role, metrics, from_history, created_at)| {
                let mut text = format!("{{\"role\": \"{role}\"");
                if let Some(at) = created_at {
                    text.push_str(&format!(", \"created_at\": {at}"));
                }
                if let Some(metrics) = metrics {
                    text.push_str(&format!(", \"metrics\": {metrics}"));
                }
                if let Some(flag) = from_history {
                    text.push_str(&format!(", \"from_history\": {flag}"));
                }
                let rest = &fields[1..fields.len() - 1];
                if !rest.is_empty() {
                    text.push_str(", ");
                    text.push_str(rest);
                }
                text.push('}');
                text
            })
    }

    fn run() -> impl Strategy<Value = String> {
        const KEYS: &[&str] = &[
            "agent_id",
            "team_id",
            "input",
            "parent_run_id",
            "run_id",
            "content",
        ];
        (
            entries(KEYS, 4, value()),
            prop::collection::vec(message(), 0..4),
        )
            .prop_map(|(fields, messages)| {
                let rest = &fields[1..fields.len() - 1];
                let sep = if rest.is_empty() { "" } else { ", " };
                format!("{{\"messages\": [{}]{sep}{rest}}}", messages.join(", "))
            })
    }

    #[test]
    fn the_generated_runs_are_mostly_scanned() {
        // The property below would hold vacuously if the scanner gave up on everything.
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = prop::collection::vec(run(), 1..4);
        let (mut scanned, mut cases) = (0, 0);
        for _ in 0..400 {
            let text = format!(
                "[{}]",
                strategy.new_tree(&mut runner).unwrap().current().join(", ")
            );
            scanned += check_scanner(&text).unwrap_or_else(|e| panic!("{text}\n{e}"));
            cases += 4;
        }
        assert!(scanned * 4 > cases, "{scanned} of {cases} scanned");
    }

    #[test]
    fn names_are_found_by_their_slots() {
        for (i, name) in FIELDS.names.iter().enumerate() {
            assert_eq!(FIELDS.index(name), Some(i));
        }
        for (i, name) in METRICS_V3.names.iter().enumerate() {
            assert_eq!(METRICS_V3.index(name), Some(i));
        }
        for other in ["", "i", "roles", "rolf", "created", "metrics ", "Metrics"] {
            assert_eq!(FIELDS.index(other), None, "{other}");
        }
    }

    #[test]
    fn numbers_copied_as_written_are_plain_short_decimals() {
        for copied in ["0.042", "-3.25", "0.00001", "12345678901234.5", "4.567"] {
            assert!(float_as_written(copied), "{copied}");
        }
        for rewritten in [
            "1.10",
            "0.000001",
            "1e2",
            "5",
            "0.1234567890123456",
            "-0.0",
            "1.5E3",
        ] {
            assert!(!float_as_written(rewritten), "{rewritten}");
        }
        assert_eq!(integer_text("-0"), Some("0"));
        assert_eq!(integer_text("7.0"), None);
    }

    proptest! {
        #[test]
        fn numbers_copied_as_written_are_what_serde_json_writes(
            sign in prop::sample::select(vec!["", "-"]),
            int in "(0|[1-9][0-9]{0,16})",
            fraction in "[0-9]{1,19}",
            exponent in prop::option::of(-30i32..30),
        ) {
            let mut text = format!("{sign}{int}.{fraction}");
            if let Some(e) = exponent {
                text.push_str(&format!("e{e}"));
            }
            let float: f64 = serde_json::from_str(&text).unwrap();
            if float_as_written(&text) {
                prop_assert_eq!(serde_json::to_string(&float).unwrap(), text);
            }
            let integer = format!("{sign}{int}");
            let int = Int::from_json(&integer).unwrap();
            prop_assert_eq!(integer_text(&integer).unwrap(), serde_json::to_string(&int).unwrap());
        }

        #[test]
        fn scanned_runs_read_as_serde_reads_them(runs in prop::collection::vec(run(), 0..4)) {
            let text = format!("[{}]", runs.join(", "));
            prop_assert!(check_scanner(&text).is_ok(), "{}\n{:?}", text, check_scanner(&text));
        }

        #[test]
        fn cut_or_changed_runs_read_as_serde_reads_them(
            runs in prop::collection::vec(run(), 1..3),
            cut in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let mut text = format!("[{}]", runs.join(", ")).into_bytes();
            let at = cut.index(text.len());
            text[at] = byte;
            let text = String::from_utf8_lossy(&text);
            prop_assert!(check_scanner(&text).is_ok(), "{}\n{:?}", text, check_scanner(&text));
        }
    }
}

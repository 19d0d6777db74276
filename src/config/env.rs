//! A typed reader of environment variables: each kind of value (text, flag, number,
//! list, "off") is parsed one way, and a bad value is an error naming the variable.

use super::ConfigError;

/// Variables read through a lookup (the process environment, or a map in tests).
pub(super) struct Env<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub(super) fn new(lookup: F) -> Self {
        Env { lookup }
    }

    /// The value as set, untrimmed; `None` when unset or empty.
    pub(super) fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.is_empty())
    }

    /// The value, trimmed; `None` when unset or blank.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), any case.
    pub(super) fn flag(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.text(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(other) => Err(ConfigError(format!(
                "{name} must be true or false, not '{other}'"
            ))),
        }
    }

    /// A whole number of at least `min` that fits `T`.
    pub(super) fn number<T>(&self, name: &str, default: T, min: T) -> Result<T, ConfigError>
    where
        T: TryFrom<u64> + Into<u64> + Copy,
    {
        let Some(value) = self.text(name) else {
            return Ok(default);
        };
        let min_u64: u64 = min.into();
        value
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= min_u64)
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| {
                ConfigError(format!(
                    "{name} must be a whole number >= {min_u64} that fits {} bits, not '{value}'",
                    std::mem::size_of::<T>() * 8
                ))
            })
    }

    /// Comma-separated items, trimmed, empty ones dropped; `None` when unset.
    pub(super) fn list(&self, name: &str) -> Option<Vec<String>> {
        self.text(name).map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
    }

    /// A value that may be switched off with `off` or `none` (any case): `None` when
    /// unset, `Some(None)` when off.
    pub(super) fn unless_off(&self, name: &str) -> Option<Option<String>> {
        self.text(name)
            .map(|v| (!matches!(v.to_ascii_lowercase().as_str(), "off" | "none")).then_some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> Env<impl Fn(&str) -> Option<String>> {
        Env::new(move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn each_kind_one_way() {
        let e = env(&[
            ("T", " yes "),
            ("F", "FALSE"),
            ("BAD", "maybe"),
            ("N", "42"),
            ("BIG", "70000"),
            ("L", " a, ,b "),
            ("OFF", "Off"),
            ("BLANK", "  "),
        ]);
        assert!(e.flag("T", false).unwrap());
        assert!(!e.flag("F", true).unwrap());
        assert!(e.flag("UNSET", true).unwrap());
        let err = e.flag("BAD", false).unwrap_err().to_string();
        assert!(err.contains("BAD") && err.contains("maybe"), "{err}");
        assert_eq!(e.number("N", 1u32, 0).unwrap(), 42);
        assert_eq!(e.number("UNSET", 7u32, 0).unwrap(), 7);
        assert!(e.number("N", 1u32, 43).is_err());
        // Checked conversion: 70000 does not fit 16 bits.
        let err = e.number("BIG", 1u16, 0).unwrap_err().to_string();
        assert!(err.contains("BIG") && err.contains("16 bits"), "{err}");
        assert_eq!(e.list("L").unwrap(), ["a", "b"]);
        assert_eq!(e.unless_off("OFF"), Some(None));
        assert_eq!(e.unless_off("N"), Some(Some("42".into())));
        assert_eq!(e.text("BLANK"), None);
        assert_eq!(e.raw("BLANK").as_deref(), Some("  "));
    }
}

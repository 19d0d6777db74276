//! The fuzz harnesses (`fuzz/harness.rs`) in the test run: every seed and regression
//! input (and a local libFuzzer corpus, when there is one), then a time-boxed pass of
//! random and mutated inputs (`FUZZ_PASS_SECONDS`, default 20, per harness). This is
//! the short pass CI runs; the coverage-guided run is `scripts/fuzz.sh` (cargo-fuzz).

#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn seconds() -> Duration {
    Duration::from_secs(
        std::env::var("FUZZ_PASS_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20),
    )
}

/// xorshift64*: a small, seedable generator, so a failing pass can be replayed with
/// `FUZZ_PASS_SEED`.
struct Rng(u64);

impl Rng {
    fn new() -> (Self, u64) {
        let seed = std::env::var("FUZZ_PASS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        (Rng(seed), seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Runs one input, naming it (and the seed) if it panics.
fn check(what: &str, seed: u64, input: &[u8], run: impl FnOnce()) {
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        let path = std::env::temp_dir().join(format!("fuzz-pass-failure-{seed}"));
        let _ = std::fs::write(&path, input);
        eprintln!(
            "{what} panicked (FUZZ_PASS_SEED={seed}); input saved to {}",
            path.display()
        );
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn seeds_regressions_and_local_corpus_render_without_panic() {
    let mut count = 0;
    for dir in [
        "fuzz/seeds/render_text",
        "fuzz/regressions/render_text",
        "fuzz/corpus/render_text",
    ] {
        for path in files(&root().join(dir)) {
            let data = std::fs::read(&path).unwrap();
            check(&path.display().to_string(), 0, &data, || {
                harness::render_text(&data)
            });
            count += 1;
        }
    }
    for path in files(&root().join("fuzz/corpus/render_item")) {
        let data = std::fs::read(&path).unwrap();
        if let Ok(attributes) = Vec::arbitrary_take_rest(Unstructured::new(&data)) {
            check(&path.display().to_string(), 0, &data, || {
                harness::render_item(attributes)
            });
        }
        count += 1;
    }
    println!("{count} stored inputs rendered without a panic");
    assert!(count >= 7, "seeds and regressions are missing: {count}");
}

/// Tokens of stored sessions, from the libFuzzer dictionary.
fn dictionary() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(root().join("fuzz/render.dict")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains('"'))
        .filter_map(|l| {
            let quoted = &l[l.find('"')? + 1..l.rfind('"')?];
            // The dictionary's escapes: \" \\ and \xNN.
            let mut out = Vec::new();
            let mut bytes = quoted.bytes();
            while let Some(b) = bytes.next() {
                if b != b'\\' {
                    out.push(b);
                    continue;
                }
                match bytes.next()? {
                    b'x' => {
                        let hex = [bytes.next()?, bytes.next()?];
                        out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
                    }
                    other => out.push(other),
                }
            }
            Some(out)
        })
        .collect()
}

#[test]
fn mutated_session_text_renders_without_panic() {
    let seeds: Vec<Vec<u8>> = files(&root().join("fuzz/seeds/render_text"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let tokens = dictionary();
    assert!(seeds.len() >= 3 && tokens.len() > 20);
    let (mut rng, seed) = Rng::new();
    let deadline = Instant::now() + seconds();
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let mut data = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(data.len() + 1);
            match rng.below(6) {
                0 => {
                    let end = (at + rng.below(64)).min(data.len());
                    data.drain(at..end);
                }
                1 => {
                    let token = &tokens[rng.below(tokens.len())];
                    data.splice(at..at, token.iter().copied());
                }
                2 => {
                    let bytes: Vec<u8> = (0..rng.below(8)).map(|_| rng.next() as u8).collect();
                    data.splice(at..at, bytes);
                }
                3 if at < data.len() => data[at] ^= 1 << rng.below(8),
                4 => {
                    let end = (at + rng.below(128)).min(data.len());
                    let copy = data[at..end].to_vec();
                    let to = rng.below(data.len() + 1);
                    data.splice(to..to, copy);
                }
                _ if at < data.len() => data[at] = b"{}[]\",:0-.e\\ "[rng.below(13)],
                _ => {}
            }
        }
        check("render_text", seed, &data, || harness::render_text(&data));
        runs += 1;
    }
    println!(
        "render_text: {runs} mutated inputs in {:?} (FUZZ_PASS_SEED={seed})",
        seconds()
    );
    assert!(runs > 1000, "{runs}");
}

#[test]
fn arbitrary_items_render_without_panic() {
    let (mut rng, seed) = Rng::new();
    let deadline = Instant::now() + seconds();
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let data: Vec<u8> = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
        if let Ok(attributes) = Vec::arbitrary_take_rest(Unstructured::new(&data)) {
            check("render_item", seed, &data, || {
                harness::render_item(attributes)
            });
        }
        runs += 1;
    }
    println!(
        "render_item: {runs} arbitrary items in {:?} (FUZZ_PASS_SEED={seed})",
        seconds()
    );
    assert!(runs > 1000, "{runs}");
}

/// Runs every stored input of `target` (seeds, regressions, local corpus) through
/// `run`, and answers them.
fn replay(target: &str, run: fn(&[u8])) -> Vec<Vec<u8>> {
    let mut inputs = Vec::new();
    for dir in ["fuzz/seeds", "fuzz/regressions", "fuzz/corpus"] {
        for path in files(&root().join(dir).join(target)) {
            // A fuzzer running beside the tests removes corpus files as it shrinks it.
            let data = match std::fs::read(&path) {
                Err(e) if dir == "fuzz/corpus" && e.kind() == std::io::ErrorKind::NotFound => {
                    continue;
                }
                read => read.unwrap(),
            };
            check(&path.display().to_string(), 0, &data, || run(&data));
            inputs.push(data);
        }
    }
    assert!(inputs.len() >= 5, "{target} seeds are missing");
    inputs
}

/// `run` on inputs made by `mutate` from a random one of `seeds`, for the pass's time.
fn mutation_pass(
    target: &str,
    seeds: &[Vec<u8>],
    mut mutate: impl FnMut(&mut Rng, &mut Vec<u8>),
    run: fn(&[u8]),
) {
    let (mut rng, seed) = Rng::new();
    let deadline = Instant::now() + seconds();
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let mut data = seeds[rng.below(seeds.len())].clone();
        mutate(&mut rng, &mut data);
        check(target, seed, &data, || run(&data));
        runs += 1;
    }
    println!(
        "{target}: {runs} mutated inputs in {:?} (FUZZ_PASS_SEED={seed})",
        seconds()
    );
    assert!(runs > 1000, "{runs}");
}

/// The authorization path: the seed headers and tokens, then mutated ones (bytes
/// dropped, flipped, inserted, segments spliced).
#[test]
fn mutated_authorization_headers_never_let_a_forged_token_in() {
    let seeds = replay("authorize", harness::authorize);
    mutation_pass(
        "authorize",
        &seeds,
        |rng, data| {
            for _ in 0..1 + rng.below(4) {
                let at = 1 + rng.below(data.len().max(1));
                let at = at.min(data.len());
                match rng.below(5) {
                    0 => {
                        let end = (at + rng.below(16)).min(data.len());
                        data.drain(at..end);
                    }
                    1 if at < data.len() => data[at] ^= 1 << rng.below(8),
                    2 => {
                        let bytes: Vec<u8> = (0..rng.below(4)).map(|_| rng.next() as u8).collect();
                        data.splice(at..at, bytes);
                    }
                    3 if at < data.len() => data[at] = b".=-_ \t{}\"AaZz09"[rng.below(15)],
                    _ if !data.is_empty() => data[0] = rng.next() as u8,
                    _ => {}
                }
            }
        },
        harness::authorize,
    );
}

/// DynamoDB's answers: the seed answers, then mutated ones, read by the service's
/// reader and by `serde_json` (`harness::read_wire` panics where they differ).
#[test]
fn mutated_dynamodb_answers_read_as_serde_json_reads_them() {
    let seeds = replay("read_wire", harness::read_wire);
    mutation_pass(
        "read_wire",
        &seeds,
        |rng, data| {
            mutate_json(
                rng,
                data,
                &[
                    b"\\u",
                    b"\\ud800",
                    b"\\udc00",
                    b"\\\\",
                    b"\\\"",
                    b"{\"S\":\"\"}",
                    b"{\"M\":{}}",
                    b"[",
                    b"]",
                    b"{",
                    b"}",
                    b"\xc3",
                    b"\xff",
                    b"\"Item\":",
                ],
            )
        },
        harness::read_wire,
    );
}

/// Stored runs: the seed texts, then mutated ones, read by the chat history scanner and
/// by the serde path (`harness::history` panics where they differ).
#[test]
fn mutated_runs_read_by_the_scanner_as_serde_reads_them() {
    let seeds = replay("history", harness::history);
    mutation_pass(
        "history",
        &seeds,
        |rng, data| {
            mutate_json(
                rng,
                data,
                &[
                    b"\\u00e9",
                    b"\\ud800",
                    b"\\\"",
                    b"\"role\": \"user\", ",
                    b"\"from_history\": true, ",
                    b"\"metrics\": {\"input_tokens\": 1.5}, ",
                    b"\"created_at\": 7.0, ",
                    b"\"images\": [], ",
                    b"\"parent_run_id\": \"p\", ",
                    b"\"team_id\": null, ",
                    b"\"content\": [], ",
                    b"[",
                    b"]",
                    b"{",
                    b"}",
                    b"NaN",
                ],
            )
        },
        harness::history,
    );
}

/// One to four edits of JSON text: bytes dropped, a bit flipped, one of `tokens` or a
/// JSON byte put in, a piece copied elsewhere.
fn mutate_json(rng: &mut Rng, data: &mut Vec<u8>, tokens: &[&[u8]]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 => {
                let end = (at + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            1 if at < data.len() => data[at] ^= 1 << rng.below(8),
            2 => {
                let token = tokens[rng.below(tokens.len())];
                data.splice(at..at, token.iter().copied());
            }
            3 if at < data.len() => {
                let bytes = b"{}[]\",:0-.eE+\\ ntfu";
                data[at] = bytes[rng.below(bytes.len())];
            }
            _ => {
                let end = (at + rng.below(64)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
        }
    }
}

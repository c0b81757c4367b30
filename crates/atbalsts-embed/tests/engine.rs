//! The engine on the real model, when `ATBALSTS_TEST_MODEL_DIR` names a model
//! directory that `atbalsts model fetch` filled; skipped otherwise.
//!
//! Without the test harness (see Cargo.toml): the OpenMP environment must be
//! set before any thread exists, as in a server's main.

use atbalsts_embed::{DIM, E5Engine, MODEL};
use atbalsts_search::semantic::Embed;
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;
type Check = fn(&E5Engine) -> Result;

const QUERY_LV: &str = "Kā atbloķēt eID kartes PIN kodu?";
const QUERY_EN: &str = "How do I unblock my ID card PIN?";
const PIN: &str = "Ja eID kartes PIN kods ir bloķēts pēc trim nepareiziem mēģinājumiem, \
    to var atbloķēt ar PUK kodu programmā eParakstītājs 3.0. Ja PUK kods nav zināms, \
    jaunus kodus var saņemt Pilsonības un migrācijas lietu pārvaldes nodaļā.";
const KINDERGARTEN: &str = "Bērnu rindā uz pašvaldības bērnudārzu piesaka portālā, \
    norādot vēlamās iestādes un datumu, no kura vieta nepieciešama; \
    kārtas numuru rindā var pārbaudīt tiešsaistē.";
const RESIDENCE: &str = "Dzīvesvietu var deklarēt portālā Latvija.gov.lv, \
    iesniedzot elektronisku deklarāciju ar eParakstu vai eID karti.";

fn main() -> Result {
    atbalsts_embed::prepare_process_environment();
    let Some(dir) = std::env::var_os("ATBALSTS_TEST_MODEL_DIR") else {
        println!("skipped: set ATBALSTS_TEST_MODEL_DIR (see `atbalsts model fetch`)");
        return Ok(());
    };
    let engine = E5Engine::open(std::path::Path::new(&dir))?;
    let checks: [(&str, Check); 6] = [
        ("dimension and norm", dimension_and_norm),
        (
            "the PIN passage is nearest, in Latvian and English",
            pin_is_nearest,
        ),
        ("a batch equals single passages", batch_equals_single),
        ("two threads at once equal one", threads_equal_one),
        ("odd inputs", odd_inputs),
        ("query time", query_time),
    ];
    for (name, check) in checks {
        check(&engine).map_err(|e| format!("{name}: {e}"))?;
        println!("ok: {name}");
    }
    Ok(())
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    dot / (norm(a) * norm(b))
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn dimension_and_norm(engine: &E5Engine) -> Result {
    assert_eq!(engine.model(), MODEL);
    assert_eq!(DIM, 384);
    let query = engine.query(QUERY_LV)?;
    let passages = engine.passages(&[PIN, KINDERGARTEN])?;
    assert_eq!(passages.len(), 2);
    for v in std::iter::once(&query).chain(&passages) {
        assert_eq!(v.len(), 384);
        assert!((norm(v) - 1.0).abs() < 1e-3, "norm {}", norm(v));
    }
    Ok(())
}

fn pin_is_nearest(engine: &E5Engine) -> Result {
    let passages = engine.passages(&[PIN, KINDERGARTEN, RESIDENCE])?;
    for question in [QUERY_LV, QUERY_EN] {
        let q = engine.query(question)?;
        let scores: Vec<f32> = passages.iter().map(|p| cosine(&q, p)).collect();
        println!(
            "  {question:?}: PIN {:.3}, kindergarten {:.3}, residence {:.3}",
            scores[0], scores[1], scores[2]
        );
        assert!(scores[0] > scores[1], "{question:?}: {scores:?}");
        assert!(scores[0] > scores[2], "{question:?}: {scores:?}");
    }
    Ok(())
}

fn batch_equals_single(engine: &E5Engine) -> Result {
    let texts = [PIN, KINDERGARTEN, RESIDENCE];
    let batch = engine.passages(&texts)?;
    assert_eq!(batch.len(), 3);
    for (text, together) in texts.iter().zip(&batch) {
        let alone = engine.passages(&[text])?;
        assert_eq!(alone.len(), 1);
        let c = cosine(together, &alone[0]);
        assert!(c > 0.999, "{text:?}: cosine {c}");
    }
    // The query side has its own prefix, so it differs from the passage side.
    let as_query = engine.query(PIN)?;
    assert!(cosine(&as_query, &batch[0]) < 0.999);
    Ok(())
}

type Vectors = (Vec<f32>, Vec<Vec<f32>>);

fn embed_all(engine: &E5Engine) -> std::result::Result<Vectors, String> {
    let query = engine.query(QUERY_LV).map_err(|e| e.to_string())?;
    let passages = engine
        .passages(&[PIN, KINDERGARTEN, RESIDENCE])
        .map_err(|e| e.to_string())?;
    Ok((query, passages))
}

fn threads_equal_one(engine: &E5Engine) -> Result {
    let alone = embed_all(engine)?;
    let results = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| s.spawn(|| (0..5).map(|_| embed_all(engine)).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().map_err(|_| "a thread panicked".to_string()))
            .collect::<std::result::Result<Vec<_>, _>>()
    })?;
    let mut identical = true;
    for result in results.into_iter().flatten() {
        let (query, passages) = result?;
        identical &= query == alone.0 && passages == alone.1;
        assert!(cosine(&query, &alone.0) > 0.9999);
        for (p, a) in passages.iter().zip(&alone.1) {
            assert!(cosine(p, a) > 0.9999);
        }
    }
    println!("  bit-identical to one thread: {identical}");
    Ok(())
}

fn odd_inputs(engine: &E5Engine) -> Result {
    assert!(engine.passages(&[])?.is_empty());
    let with_nul = engine.query("eID\0 PIN")?;
    let with_space = engine.query("eID  PIN")?;
    assert!(cosine(&with_nul, &with_space) > 0.9999);
    let empty = engine.query("")?;
    assert!((norm(&empty) - 1.0).abs() < 1e-3);
    // Beyond the model's 512 tokens the engine averages windows.
    let long = PIN.repeat(40);
    let v = engine.passages(&[&long])?;
    assert!((norm(&v[0]) - 1.0).abs() < 1e-3);
    assert!(cosine(&v[0], &engine.passages(&[PIN])?[0]) > 0.9);
    Ok(())
}

fn query_time(engine: &E5Engine) -> Result {
    engine.query(QUERY_LV)?;
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        engine.query(QUERY_LV)?;
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "  one query: median {:.2} ms of 20 (min {:.2}, max {:.2}), OMP_NUM_THREADS={}",
        times[10].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[19].as_secs_f64() * 1e3,
        std::env::var("OMP_NUM_THREADS").unwrap_or_default()
    );
    Ok(())
}

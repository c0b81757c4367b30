//! `atbalsts assistant signals` writes, for each question, what the assistant
//! answered and the signals its decision was made on, consistent with each other.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn atbalsts() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atbalsts"));
    c.env("ATBALSTS_LOG", "warn");
    c
}

#[test]
fn signals_are_written_for_every_question() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    for what in ["registers", "kb"] {
        let out = atbalsts()
            .args(["import", what])
            .arg(demo.join(what))
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let questions = tmp.path().join("q.jsonl");
    std::fs::write(
        &questions,
        concat!(
            r#"{"id": "a", "q": "Kā deklarēt dzīvesvietu pēc pārcelšanās?", "lang": "lv", "expected": ["dzivesvietas-deklaresana"]}"#,
            "\n\n",
            r#"{"id": "b", "q": "Paldies!", "lang": "lv", "expected": []}"#,
            "\n",
            r#"{"id": "c", "q": "Kur var nopirkt lētas lidmašīnas biļetes uz Tenerifi?", "expected": []}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = atbalsts()
        .args(["assistant", "signals"])
        .arg(&questions)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");

    let a = &lines[0];
    assert_eq!((&a["id"], &a["answer"]), (&"a".into(), &true.into()), "{a}");
    assert_eq!(a["results"][0], "dzivesvietas-deklaresana", "{a}");
    let top = &a["signals"]["articles"][0];
    assert_eq!(
        top["id"], a["results"][0],
        "the signals rank what was answered"
    );
    assert!(top["bm25"].as_f64().unwrap() > 0.0 && top["coverage"].as_f64().unwrap() > 0.0);
    assert_eq!(a["signals"]["lang"], "lv");
    assert!(a["signals"]["topic_words"].as_u64().unwrap() >= 2, "{a}");
    assert!(
        a["signals"]["services"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{a}"
    );

    let b = &lines[1];
    assert_eq!(
        (&b["answer"], &b["verdict"]),
        (&false.into(), &"chit_chat".into()),
        "{b}"
    );
    assert_eq!(b["signals"]["articles"].as_array().map(Vec::len), Some(0));

    let c = &lines[2];
    assert_eq!(c["answer"], false, "{c}");
    assert_eq!(
        c["expected"],
        serde_json::json!([]),
        "the input's fields are kept"
    );

    // A line that is not JSON is reported with its number.
    std::fs::write(&questions, "{\"id\": \"x\", \"q\": \"pase\"}\nnot json\n").unwrap();
    let out = atbalsts()
        .args(["assistant", "signals"])
        .arg(&questions)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

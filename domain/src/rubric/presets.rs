//! The built-in rubrics, as data: one JSON definition per file in `presets/`, compiled into
//! the binary and read through [`validate`] exactly as a rubric a school publishes, so a
//! preset and a school's rubric are the same kind of thing. They are seed 000's form 2
//! (`key-target-100`), seed 003's two 百分制 tables (`member-100`, `leader-100`) and the
//! 党员之星 mentor score built from seed 001 (`party-star`), seed 003 办法一's yearly
//! volunteer requirement (`volunteer-week`), and seed 002's two composites: the
//! probationary member's (`probationary-review`, 自评 20% / 群众 30% / 支部 50%) and the
//! development target's defence (`development-defence`, 答辩 30% / 日常 70%); each
//! adjustment's `note` cites the seed's line it scores, and `docs/rubrics.md` explains
//! every item.
//!
//! Adding a preset: write `presets/<key>.json`, add it to `FILES`, and give it a test of
//! hand-computed people beside the others in `tests/`.

use super::*;
use std::sync::LazyLock;

/// The preset files, in the order [`presets`] lists them. Each file is named after its key.
const FILES: [(&str, &str); 7] = [
    ("key-target-100.json", include_str!("presets/key-target-100.json")),
    ("member-100.json", include_str!("presets/member-100.json")),
    ("leader-100.json", include_str!("presets/leader-100.json")),
    ("party-star.json", include_str!("presets/party-star.json")),
    ("volunteer-week.json", include_str!("presets/volunteer-week.json")),
    (
        "probationary-review.json",
        include_str!("presets/probationary-review.json"),
    ),
    (
        "development-defence.json",
        include_str!("presets/development-defence.json"),
    ),
];

/// A preset file that does not read as a valid rubric: a defect of the build, not of any
/// input, named by its file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("preset {file}: {error}")]
pub struct PresetError {
    pub file: &'static str,
    pub error: RubricError,
}

/// Reads and validates every preset file; refuses with the first that fails.
pub fn load() -> Result<Vec<Rubric>, PresetError> {
    FILES.iter().map(|&(file, text)| read(file, text)).collect()
}

fn read(file: &'static str, text: &str) -> Result<Rubric, PresetError> {
    let definition: serde_json::Value = serde_json::from_str(text).map_err(|e| PresetError {
        file,
        error: RubricError::Malformed(e.to_string()),
    })?;
    validate(&definition).map_err(|error| PresetError { file, error })
}

/// Every preset, read once. The files are compiled in, so whether they validate is fixed
/// at build time, and `every_preset_file_is_a_valid_rubric` checks it through [`load`]; a
/// file that failed anyway would be left out here rather than panic inside a request.
pub fn presets() -> &'static [Rubric] {
    static PRESETS: LazyLock<Vec<Rubric>> =
        LazyLock::new(|| FILES.iter().filter_map(|&(file, text)| read(file, text).ok()).collect());
    &PRESETS
}

/// The preset of a key.
pub fn preset(key: &str) -> Option<&'static Rubric> {
    presets().iter().find(|r| r.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_file_is_a_valid_rubric_named_after_its_key() {
        let loaded = load().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.len(), FILES.len());
        for (rubric, (file, _)) in loaded.iter().zip(FILES) {
            assert_eq!(format!("{}.json", rubric.key), file);
        }
        assert_eq!(presets(), &loaded[..]);
    }

    #[test]
    fn a_broken_file_is_refused_with_its_name_and_the_reason() {
        let err = read(
            "broken.json",
            r#"{"key": "broken", "title": "坏", "max": 10, "sections": []}"#,
        )
        .unwrap_err();
        assert_eq!(err.error, RubricError::NoItems);
        assert_eq!(err.to_string(), "preset broken.json: the rubric has no items");
        assert!(matches!(
            read("cut.json", "{").unwrap_err().error,
            RubricError::Malformed(_)
        ));
    }
}

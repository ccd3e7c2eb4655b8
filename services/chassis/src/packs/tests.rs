//! What a partner sees when a pack is wrong: each kind of mistake, with its file and key.
use std::path::{Path, PathBuf};

use super::{load::toml_files, *};

const SECTOR: &str = r#"
id = "bouw"
name = "Bouw"
likert_min = 1
likert_max = 5
priority_dimensions = 1

[[dimensions]]
id = "leiderschap"
name = "Leiderschap"

[[dimensions]]
id = "kennisdeling"
name = "Kennisdeling"

[[items]]
id = "leiderschap-1"
dimension = "leiderschap"
text = "Mijn leidinggevende stimuleert leren."

[[items]]
id = "kennisdeling-1"
dimension = "kennisdeling"
text = "Kennis zit in het hoofd van een paar mensen."
reverse = true

[[interventions]]
dimension = "leiderschap"
kind = "coaching_directors"
title = "Coaching van de directie"
planned_hours = 10

[[themes]]
id = "financiering-scholing"
name = "Financiering van scholing"

[[funding_rules]]
source = "slim"
name = "SLIM-subsidie"
kind = "subsidy_percentage"
percentage = 60
small_firm_percentage = 80
small_firm_max_employees = 49

[funding_rules.eligibility]
regulation = "SLIM-regeling"
eligible_costs = ["own_staff_hours", "third_party_services", "training_fees"]
participant_min_cents = 500000
participant_max_cents = 2500000
evidence = "hours_per_working_day"
realisation_min_percent = 60

[[intervention_kinds]]
id = "coaching_directors"
name = "Coaching van de directie"

[[learning_themes]]
id = "lassen"
name = "Lassen"

[[learning_themes]]
id = "bim"
name = "Werken met bouwinformatiemodellen"
"#;

const REGION: &str = r#"
id = "veluwe"
name = "Veluwe"
programme = "LLO Veluwe"
min_group_size = 5
sectors = ["bouw"]

[[budgets]]
source = "slim"
name = "SLIM-subsidie"
kind = "subsidy_percentage"
budget_cents = 2500000

[calendar]
start = "2021-03-01"
end = "2022-12-31"

[[calendar.phases]]
id = "behoeftepeiling"
name = "Behoeftepeiling"
start = "2021-03-01"
end = "2021-10-31"

[[calendar.phases]]
id = "ontwikkeling"
name = "Ontwikkeltrajecten"
start = "2021-11-01"
end = "2022-12-31"

[[work_packages]]
id = "ontwikkeltrajecten"
name = "Ontwikkeltrajecten en coaching"
phase = "ontwikkeling"

[[work_packages]]
id = "projectmanagement"
name = "Projectmanagement"
"#;

/// A packs folder of its own under the system's temporary folder.
struct Folder(PathBuf);

impl Folder {
    fn new(sector: &str, region: &str) -> Folder {
        let dir = std::env::temp_dir().join(format!("llo-packs-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("sectors")).unwrap();
        std::fs::create_dir_all(dir.join("regions")).unwrap();
        std::fs::write(dir.join("sectors/bouw.toml"), sector).unwrap();
        std::fs::write(dir.join("regions/veluwe.toml"), region).unwrap();
        Folder(dir)
    }

    fn sector(&self) -> PathBuf {
        self.0.join("sectors/bouw.toml")
    }

    fn region(&self) -> PathBuf {
        self.0.join("regions/veluwe.toml")
    }

    fn check(&self) -> Vec<Problem> {
        check_files(&[self.sector(), self.region()])
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the test pack has no {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn the_test_packs_and_the_shipped_packs_are_valid() {
    let folder = Folder::new(SECTOR, REGION);
    assert_eq!(folder.check(), vec![]);
    let packs = Packs::load(&folder.0).unwrap();
    assert!(packs.offers("veluwe", "bouw"));

    let shipped = crate::testing::packs_dir();
    let packs = Packs::load(&shipped).unwrap();
    assert!(packs.offers("achterhoek", "techniek-metaal"));
    let mut files = toml_files(&shipped.join("sectors")).unwrap();
    files.extend(toml_files(&shipped.join("regions")).unwrap());
    files.extend(toml_files(&shipped.join("skills")).unwrap());
    assert_eq!(check_files(&files), vec![]);
    // Every shipped sector names a skills list, and its skills are checked against it.
    for sector in packs.sectors.values() {
        let list = sector.skills.as_deref().expect("a skills list");
        assert!(packs.skills[list].skills.len() >= 20, "{list}");
    }
}

const SKILLS: &str = r#"
id = "esco-bouw"
name = "ESCO-vaardigheden bouw"
version = "ESCO v1.2.0"
source = "https://esco.ec.europa.eu"
licence = "© European Union"

[[skills]]
uri = "http://data.europa.eu/esco/skill/b07daddc-8625-4360-946e-ad2b0e56ebf6"
en = "read engineering drawings"
nl = "technische tekeningen lezen"

[[skills]]
uri = "http://data.europa.eu/esco/skill/b34e2ba1-9080-48c9-9b42-ee9192a4d3f1"
en = "use CAD software"
nl = "CAD-software gebruiken"
"#;

/// A sector names its skills list; the list's skills are ESCO URIs, each once. The
/// region's skills are the union of its sectors' lists, and only those pass.
#[test]
fn a_sector_names_a_skills_list_that_exists_and_its_skills_are_esco_uris_once() {
    let sector = replaced(
        SECTOR,
        "priority_dimensions = 1",
        "priority_dimensions = 1\nskills = \"esco-bouw\"",
    );
    let folder = Folder::new(&sector, REGION);
    let list = folder.0.join("skills/esco-bouw.toml");
    std::fs::create_dir_all(folder.0.join("skills")).unwrap();
    std::fs::write(&list, SKILLS).unwrap();
    assert_eq!(folder.check(), vec![]);
    let packs = Packs::load(&folder.0).unwrap();
    let skills = Skills::of_region(&packs, "veluwe").unwrap();
    assert_eq!(skills.all().len(), 2);
    assert!(
        skills
            .check("http://data.europa.eu/esco/skill/b34e2ba1-9080-48c9-9b42-ee9192a4d3f1")
            .is_ok()
    );
    let refused = skills
        .check("http://data.europa.eu/esco/skill/0000")
        .unwrap_err();
    assert!(
        refused.contains("not in the sector's skills list"),
        "{refused}"
    );

    // A list the sector names that is not there, with the nearest one offered.
    let misspelt = replaced(
        SECTOR,
        "priority_dimensions = 1",
        "priority_dimensions = 1\nskills = \"esco-bow\"",
    );
    std::fs::write(folder.sector(), misspelt).unwrap();
    let problems = folder.check();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].key, "skills");
    assert!(
        problems[0].reason.contains("did you mean \"esco-bouw\""),
        "{problems:#?}"
    );

    // A URI that is not ESCO's, and one twice.
    std::fs::write(folder.sector(), &sector).unwrap();
    let broken = SKILLS
        .replacen(
            "http://data.europa.eu/esco/skill/b07d",
            "https://example.org/b07d",
            1,
        )
        .replacen(
            "b34e2ba1-9080-48c9-9b42-ee9192a4d3f1",
            "b07daddc-8625-4360-946e-ad2b0e56ebf6",
            1,
        )
        .replacen(
            "https://example.org/b07d",
            "http://data.europa.eu/esco/skill/b07d",
            1,
        )
        + "\n[[skills]]\nuri = \"https://example.org/skill\"\nen = \"x\"\nnl = \"x\"\n";
    std::fs::write(&list, broken).unwrap();
    let mut files = vec![folder.sector(), folder.region(), list.clone()];
    files.sort();
    let problems: Vec<(String, String)> = check_files(&files)
        .into_iter()
        .map(|p| (p.key, p.reason))
        .collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].0, "skills[1].uri");
    assert!(problems[0].1.starts_with("duplicate uri"), "{problems:#?}");
    assert_eq!(problems[1].0, "skills[2].uri");
    assert!(
        problems[1].1.contains("is not an ESCO skill URI"),
        "{problems:#?}"
    );
    // A service refuses to start on it.
    assert!(Packs::load(&folder.0).is_err());
}

/// Each kind of mistake a partner can make, the key it is reported at and words of the
/// reason.
#[test]
fn each_kind_of_mistake_is_reported_with_its_file_and_key() {
    struct Case {
        mistake: &'static str,
        sector: String,
        region: String,
        region_file: bool,
        key: &'static str,
        reason: &'static str,
    }
    let sector = |from: &str, to: &str| replaced(SECTOR, from, to);
    let region = |from: &str, to: &str| replaced(REGION, from, to);
    let in_sector = |mistake, sector: String, key, reason| Case {
        mistake,
        sector,
        region: REGION.into(),
        region_file: false,
        key,
        reason,
    };
    let in_region = |mistake, region: String, key, reason| Case {
        mistake,
        sector: SECTOR.into(),
        region,
        region_file: true,
        key,
        reason,
    };
    let cases = [
        in_sector(
            "unknown top-level key",
            sector(
                "priority_dimensions = 1",
                "priority_dimensions = 1\nlikert_mid = 3",
            ),
            "likert_mid",
            "unknown key",
        ),
        in_sector(
            "misspelt key in a list entry",
            sector("reverse = true", "revers = true"),
            "items[1].revers",
            "did you mean `reverse`?",
        ),
        in_region(
            "unknown key in a region",
            region("min_group_size = 5", "min_group_size = 5\nregion = \"x\""),
            "region",
            "unknown key",
        ),
        in_sector(
            "unknown intervention kind",
            sector("kind = \"coaching_directors\"", "kind = \"coaching\""),
            "interventions[0].kind",
            "unknown intervention kind \"coaching\"; one of: coaching_directors",
        ),
        in_sector(
            "intervention kind misspelt",
            sector(
                "kind = \"coaching_directors\"",
                "kind = \"coaching_director\"",
            ),
            "interventions[0].kind",
            "unknown intervention kind \"coaching_director\" (did you mean \"coaching_directors\"?)",
        ),
        in_sector(
            "intervention kinds missing",
            sector(
                "[[intervention_kinds]]\nid = \"coaching_directors\"\nname = \"Coaching van de directie\"\n",
                "",
            ),
            "intervention_kinds",
            "needs its intervention kinds",
        ),
        in_sector(
            "duplicate intervention kind",
            sector(
                "id = \"coaching_directors\"\nname = \"Coaching van de directie\"\n",
                "id = \"coaching_directors\"\nname = \"Coaching van de directie\"\n\n\
                 [[intervention_kinds]]\nid = \"coaching_directors\"\nname = \"Directiecoaching\"\n",
            ),
            "intervention_kinds[1].id",
            "duplicate id \"coaching_directors\" (also intervention_kinds[0].id)",
        ),
        in_sector(
            "intervention kind id unfit for events",
            sector(
                "id = \"coaching_directors\"\nname",
                "id = \"Coaching Directie\"\nname",
            ),
            "intervention_kinds[0].id",
            "must be lower-case letters, digits, - and _ only",
        ),
        in_sector(
            "learning themes missing",
            sector(
                "[[learning_themes]]\nid = \"lassen\"\nname = \"Lassen\"\n\n\
                 [[learning_themes]]\nid = \"bim\"\nname = \"Werken met bouwinformatiemodellen\"\n",
                "",
            ),
            "learning_themes",
            "needs its learning themes",
        ),
        in_sector(
            "duplicate learning theme",
            sector("id = \"bim\"", "id = \"lassen\""),
            "learning_themes[1].id",
            "duplicate id \"lassen\" (also learning_themes[0].id)",
        ),
        in_sector(
            "the reserved theme other defined by the pack",
            sector("id = \"bim\"", "id = \"other\""),
            "learning_themes[1].id",
            "\"other\" is reserved",
        ),
        in_sector(
            "learning theme id unfit for events",
            sector("id = \"bim\"", "id = \"BIM modellen\""),
            "learning_themes[1].id",
            "must be lower-case letters, digits, - and _ only",
        ),
        in_sector(
            "unknown funding kind",
            sector("kind = \"subsidy_percentage\"", "kind = \"subsidie\""),
            "funding_rules[0].kind",
            "unknown kind \"subsidie\"",
        ),
        in_region(
            "unknown budget kind",
            region("kind = \"subsidy_percentage\"", "kind = \"loan\""),
            "budgets[0].kind",
            "unknown kind \"loan\"",
        ),
        in_sector(
            "item of a dimension that does not exist",
            sector(
                "dimension = \"kennisdeling\"",
                "dimension = \"kennisdelen\"",
            ),
            "items[1].dimension",
            "unknown dimension \"kennisdelen\" (did you mean \"kennisdeling\"?)",
        ),
        in_sector(
            "intervention for a dimension that does not exist",
            sector(
                "dimension = \"leiderschap\"\nkind",
                "dimension = \"veiligheid\"\nkind",
            ),
            "interventions[0].dimension",
            "unknown dimension \"veiligheid\"; one of: leiderschap, kennisdeling",
        ),
        in_sector(
            "reverse-scored item on a scale that cannot be reversed",
            sector("likert_max = 5", "likert_max = 1"),
            "items[1].reverse",
            "item \"kennisdeling-1\" is reverse-scored, but the scale 1 to 1 cannot be reversed",
        ),
        in_sector(
            "funding percentage above 100",
            sector("percentage = 60", "percentage = 160"),
            "funding_rules[0].percentage",
            "160 is outside 0 to 100",
        ),
        in_sector(
            "negative small-firm percentage",
            sector("small_firm_percentage = 80", "small_firm_percentage = -5"),
            "funding_rules[0].small_firm_percentage",
            "-5 is outside 0 to 100",
        ),
        in_region(
            "negative region budget",
            region("budget_cents = 2500000", "budget_cents = -100"),
            "budgets[0].budget_cents",
            "-100 is below the minimum 0",
        ),
        in_sector(
            "negative sector budget",
            sector("percentage = 60", "percentage = 60\nbudget_cents = -1"),
            "funding_rules[0].budget_cents",
            "-1 is below the minimum 0",
        ),
        in_sector(
            "duplicate item id",
            sector("id = \"kennisdeling-1\"", "id = \"leiderschap-1\""),
            "items[1].id",
            "duplicate id \"leiderschap-1\" (also items[0].id)",
        ),
        in_sector(
            "duplicate dimension id",
            sector("id = \"kennisdeling\"", "id = \"leiderschap\""),
            "dimensions[1].id",
            "duplicate id \"leiderschap\"",
        ),
        in_region(
            "duplicate budget source",
            region(
                "budget_cents = 2500000",
                "budget_cents = 2500000\n\n[[budgets]]\nsource = \"slim\"\nname = \"x\"\nkind = \"grant\"\nbudget_cents = 1",
            ),
            "budgets[1].source",
            "duplicate source \"slim\"",
        ),
        in_sector(
            "community themes missing",
            sector(
                "[[themes]]\nid = \"financiering-scholing\"\nname = \"Financiering van scholing\"\n",
                "",
            ),
            "themes",
            "needs its community themes",
        ),
        in_sector(
            "a required key missing",
            sector("text = \"Mijn leidinggevende stimuleert leren.\"\n", ""),
            "items[0].text",
            "missing (required)",
        ),
        in_sector(
            "a value of the wrong type",
            sector("planned_hours = 10", "planned_hours = \"10\""),
            "interventions[0].planned_hours",
            "must be a whole number, not text in quotes",
        ),
        in_region(
            "a sector no pack defines",
            region("sectors = [\"bouw\"]", "sectors = [\"bouw\", \"zorg\"]"),
            "sectors[1]",
            "unknown sector \"zorg\"",
        ),
        in_region(
            "a day that is no date",
            region("end = \"2022-12-31\"\n\n[[", "end = \"2022-02-30\"\n\n[["),
            "calendar.end",
            "\"2022-02-30\" is not a date (YYYY-MM-DD)",
        ),
        in_region(
            "a programme that ends before it starts",
            region(
                "start = \"2021-03-01\"\nend = \"2022-12-31\"",
                "start = \"2021-03-01\"\nend = \"2020-12-31\"",
            ),
            "calendar.end",
            "lies before the start (2021-03-01)",
        ),
        in_region(
            "phases that overlap",
            region("start = \"2021-11-01\"", "start = \"2021-10-01\""),
            "calendar.phases[1].start",
            "overlaps the phase before, which ends 2021-10-31",
        ),
        in_region(
            "a phase outside the programme",
            region(
                "id = \"behoeftepeiling\"\nname = \"Behoeftepeiling\"\nstart = \"2021-03-01\"",
                "id = \"behoeftepeiling\"\nname = \"Behoeftepeiling\"\nstart = \"2021-01-01\"",
            ),
            "calendar.phases[0]",
            "lies outside the programme's start and end",
        ),
        in_sector(
            "a cost type no regulation has",
            sector("\"training_fees\"]", "\"tuition\"]"),
            "funding_rules[0].eligibility.eligible_costs[2]",
            "unknown eligible_costs \"tuition\"; one of: own_staff_hours, third_party_services, \
             training_fees, materials, travel",
        ),
        in_sector(
            "a cost type twice",
            sector("\"training_fees\"]", "\"own_staff_hours\"]"),
            "funding_rules[0].eligibility.eligible_costs[2]",
            "cost type \"own_staff_hours\" is listed twice",
        ),
        in_sector(
            "a participant's least above its most",
            sector(
                "participant_min_cents = 500000",
                "participant_min_cents = 3000000",
            ),
            "funding_rules[0].eligibility.participant_min_cents",
            "lies above participant_max_cents (2500000)",
        ),
        in_sector(
            "eligibility without its regulation",
            sector("regulation = \"SLIM-regeling\"\n", ""),
            "funding_rules[0].eligibility.regulation",
            "missing (required)",
        ),
        in_region(
            "a participant's most above the source's budget",
            region(
                "budget_cents = 2500000\n",
                "budget_cents = 2500000\n\n[budgets.eligibility]\nregulation = \"SLIM-regeling\"\n\
                 eligible_costs = [\"training_fees\"]\nparticipant_max_cents = 3000000\n",
            ),
            "budgets[0].eligibility.participant_max_cents",
            "more than the source's budget_cents (2500000)",
        ),
        in_region(
            "a work package in a phase the calendar lacks",
            region("phase = \"ontwikkeling\"", "phase = \"uitvoering\""),
            "work_packages[0].phase",
            "unknown calendar phase \"uitvoering\"",
        ),
        in_region(
            "an activity the books do not propose",
            region(
                "phase = \"ontwikkeling\"",
                "phase = \"ontwikkeling\"\ntakes = [\"workshops\"]",
            ),
            "work_packages[0].takes[0]",
            "unknown takes \"workshops\"; one of: coaching_sessions",
        ),
        in_region(
            "a work package id twice",
            region("id = \"projectmanagement\"", "id = \"ontwikkeltrajecten\""),
            "work_packages[1].id",
            "duplicate id \"ontwikkeltrajecten\"",
        ),
        in_region(
            "a phase id twice",
            region("id = \"ontwikkeling\"", "id = \"behoeftepeiling\""),
            "calendar.phases[1].id",
            "duplicate id \"behoeftepeiling\"",
        ),
    ];
    let mut failures = Vec::new();
    for case in cases {
        let folder = Folder::new(&case.sector, &case.region);
        let file = if case.region_file {
            folder.region()
        } else {
            folder.sector()
        };
        let problems = folder.check();
        let hit = problems
            .iter()
            .any(|p| p.file == file && p.key == case.key && p.reason.contains(case.reason));
        if !hit {
            failures.push(format!(
                "{}: expected {}: {}: {}, got {:#?}",
                case.mistake,
                file.display(),
                case.key,
                case.reason,
                problems
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_mistake_of_a_file_is_reported_at_once() {
    let sector = replaced(SECTOR, "reverse = true", "revers = true");
    let sector = replaced(&sector, "likert_max = 5", "likert_max = 5\nscale = 5");
    let sector = replaced(
        &sector,
        "kind = \"coaching_directors\"",
        "kind = \"coaching\"",
    );
    let sector = replaced(&sector, "dimension = \"kennisdeling\"", "dimension = \"x\"");
    let sector = replaced(&sector, "percentage = 60", "percentage = 600");
    let region = replaced(REGION, "budget_cents = 2500000", "budget_cents = -1");
    let region = replaced(&region, "programme", "programe");
    let folder = Folder::new(&sector, &region);
    let problems = folder.check();
    let keys: Vec<(&Path, &str)> = problems
        .iter()
        .map(|p| (p.file.as_path(), p.key.as_str()))
        .collect();
    let (s, r) = (folder.sector(), folder.region());
    for expected in [
        (s.as_path(), "items[1].revers"),
        (s.as_path(), "scale"),
        (s.as_path(), "interventions[0].kind"),
        (s.as_path(), "items[1].dimension"),
        (s.as_path(), "dimensions[1].id"),
        (s.as_path(), "funding_rules[0].percentage"),
        (r.as_path(), "budgets[0].budget_cents"),
        (r.as_path(), "programe"),
        (r.as_path(), "programme"),
    ] {
        assert!(
            keys.contains(&expected),
            "{expected:?} not in {problems:#?}"
        );
    }
    let line = problems
        .iter()
        .find(|p| p.key == "scale")
        .unwrap()
        .to_string();
    assert_eq!(
        line,
        format!(
            "{}:6: scale: unknown key; known here: dimensions, funding_rules, id, \
             intervention_kinds, interventions, items, learning_themes, likert_max, likert_min, \
             name, priority_dimensions, skills, themes",
            s.display()
        )
    );
}

#[test]
fn a_service_refuses_an_invalid_pack_folder_naming_every_problem() {
    let sector = replaced(SECTOR, "reverse = true", "revers = true");
    let region = replaced(REGION, "budget_cents = 2500000", "budget_cents = -1");
    let folder = Folder::new(&sector, &region);
    let error = Packs::load(&folder.0).unwrap_err().to_string();
    assert!(error.contains("2 problem(s)"), "{error}");
    assert!(
        error.contains(&format!(
            "{}:25: items[1].revers:",
            folder.sector().display()
        )),
        "{error}"
    );
    assert!(
        error.contains(&format!(
            "{}:12: budgets[0].budget_cents:",
            folder.region().display()
        )),
        "{error}"
    );
}

#[test]
fn a_pack_id_defined_twice_is_refused() {
    let folder = Folder::new(SECTOR, REGION);
    let copy = folder.0.join("sectors/bouw2.toml");
    std::fs::write(&copy, SECTOR).unwrap();
    let error = Packs::load(&folder.0).unwrap_err().to_string();
    assert!(
        error.contains(&format!(
            "{}:2: id: \"bouw\" must equal the file's name (bouw2.toml); sector pack \"bouw\" is \
             already defined in {}",
            copy.display(),
            folder.sector().display()
        )),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_toml_is_named() {
    let folder = Folder::new("id = \"bouw\"\nname = ", REGION);
    let problems = folder.check();
    assert!(
        problems.iter().any(|p| p.file == folder.sector()
            && p.reason.starts_with("not valid TOML at line 2, column 8:")),
        "{problems:#?}"
    );
}

/// The schema under infra/packs/schema/ is what the pack types generate: a change to the
/// types without `llo packs schema --write` fails here.
#[test]
fn the_committed_schemas_are_the_generated_ones() {
    let dir = crate::testing::packs_dir().join("schema");
    for kind in PackKind::ALL {
        let path = dir.join(schema_file(kind));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == schema_text(kind),
            "{} differs from the pack types: run `cargo run -p llo -- packs schema --write`",
            path.display()
        );
    }
}

/// `llo packs check infra/packs/... k8s/base/packs/...`: two installations, not one with
/// every pack defined twice; a region's sectors are those of its own folder.
#[test]
fn files_of_two_packs_folders_are_checked_apart() {
    let a = Folder::new(SECTOR, REGION);
    let zorg = replaced(SECTOR, "id = \"bouw\"", "id = \"zorg\"");
    std::fs::write(a.0.join("sectors/zorg.toml"), zorg).unwrap();
    let b = Folder::new(
        SECTOR,
        &replaced(
            REGION,
            "sectors = [\"bouw\"]",
            "sectors = [\"bouw\", \"zorg\"]",
        ),
    );
    let problems = check_files(&[a.sector(), a.region(), b.sector(), b.region()]);
    assert_eq!(
        problems,
        vec![Problem {
            file: b.region(),
            line: Some(6),
            key: "sectors[1]".into(),
            reason: "unknown sector \"zorg\"; one of: bouw".into(),
        }]
    );
}

/// A partner's editor jumps to `file:line`: the line of the key, or for a missing key the
/// line of the table that misses it.
#[test]
fn a_problem_names_the_line_of_its_key() {
    let sector = replaced(
        SECTOR,
        "text = \"Mijn leidinggevende stimuleert leren.\"\n",
        "",
    );
    let sector = replaced(&sector, "dimension = \"kennisdeling\"", "dimension = \"x\"");
    let sector = replaced(&sector, "percentage = 60", "percentage = 600");
    let folder = Folder::new(&sector, REGION);
    let lines: Vec<(String, Option<usize>)> = folder
        .check()
        .into_iter()
        .map(|p| (p.key, p.line))
        .collect();
    for expected in [
        ("items[0].text".to_owned(), Some(16)), // its [[items]] header
        ("items[1].dimension".to_owned(), Some(22)),
        ("funding_rules[0].percentage".to_owned(), Some(40)),
    ] {
        assert!(lines.contains(&expected), "{expected:?} not in {lines:?}");
    }
}

/// What `llo packs check` prints for an intervention of a kind the pack does not define
/// and a learning theme defined twice: the file, the line of the key, the key path.
#[test]
fn an_unknown_intervention_kind_and_a_duplicate_learning_theme_are_named_where_they_are() {
    let sector = replaced(
        SECTOR,
        "kind = \"coaching_directors\"",
        "kind = \"lerend_netwerk\"",
    );
    let sector = replaced(&sector, "id = \"bim\"", "id = \"lassen\"");
    let folder = Folder::new(&sector, REGION);
    let lines: Vec<String> = folder.check().iter().map(ToString::to_string).collect();
    let file = folder.sector();
    assert_eq!(
        lines,
        [
            format!(
                "{}:29: interventions[0].kind: unknown intervention kind \"lerend_netwerk\"; \
                 one of: coaching_directors",
                file.display()
            ),
            format!(
                "{}:62: learning_themes[1].id: duplicate id \"lassen\" (also \
                 learning_themes[0].id)",
                file.display()
            ),
        ]
    );
}

#[test]
fn learning_themes_are_the_sectors_and_other_and_a_refusal_names_them() {
    let packs = Packs::load(&crate::testing::packs_dir()).unwrap();
    let metal = packs.sector("techniek-metaal").unwrap();
    let themes = LearningThemes::of([&**metal]);
    assert_eq!(themes.check("lassen"), Ok(()));
    assert_eq!(themes.check(OTHER_THEME), Ok(()));
    assert!(themes.check("zorgtechnologie").is_err());
    let reason = themes.check("breien").unwrap_err();
    assert!(
        reason.starts_with(
            "\"breien\" is not a learning theme of the sector pack; one of: cnc, lassen, "
        ),
        "{reason}"
    );
    assert!(reason.ends_with(", or \"other\""), "{reason}");
    // A course offering in Twente may be on a theme of either of its sectors.
    let twente = LearningThemes::of_region(&packs, "twente").unwrap();
    assert_eq!(twente.check("lassen"), Ok(()));
    assert_eq!(twente.check("zorgtechnologie"), Ok(()));
    assert!(LearningThemes::of_region(&packs, "veluwe").is_none());
}

#[test]
fn an_intervention_kind_is_one_of_the_packs() {
    let packs = Packs::load(&crate::testing::packs_dir()).unwrap();
    let metal = packs.sector("techniek-metaal").unwrap();
    assert_eq!(metal.check_intervention_kind("team_workshop"), Ok(()));
    assert_eq!(
        metal.check_intervention_kind("lerend_netwerk").unwrap_err(),
        "\"lerend_netwerk\" is not an intervention kind of sector pack techniek-metaal; one of: \
         coaching_directors, coaching_supervisors, team_workshop, training, hr_instrument"
    );
}

#[test]
fn a_long_list_is_cut_short() {
    let ids: Vec<String> = (1..=15).map(|n| format!("t{n}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(
        brief(&ids),
        "t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12 and 3 more (llo packs show)"
    );
}

#[test]
fn a_date_of_the_programme_lies_within_its_calendar_and_finds_its_phase() {
    let folder = Folder::new(SECTOR, REGION);
    let packs = Packs::load(&folder.0).unwrap();
    let calendar = packs.region("veluwe").unwrap().calendar.clone().unwrap();
    let at = |day: &str| -> chrono::DateTime<chrono::Utc> {
        format!("{day}T12:00:00Z").parse().unwrap()
    };
    assert_eq!(calendar.check(at("2021-03-01")), Ok(()));
    assert_eq!(calendar.check(at("2022-12-31")), Ok(()));
    assert_eq!(
        calendar.check(at("2021-02-28")),
        Err("lies before the programme's start (2021-03-01)".into())
    );
    assert_eq!(
        calendar.check(at("2023-01-01")),
        Err("lies after the programme's end (2022-12-31)".into())
    );
    assert_eq!(
        calendar.phase_of(at("2021-11-01")).map(|p| p.id.as_str()),
        Some("ontwikkeling")
    );
    assert_eq!(
        calendar.phase("behoeftepeiling").map(|p| p.end.to_string()),
        Some("2021-10-31".into())
    );
}

//! The figures computed by hand, on one small region.
use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::domain::suppression::Rule;
use Cell::*;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

const A: u128 = 1;
const B: u128 = 2;
const C: u128 = 3;
const D: u128 = 4;

fn scan(org: u128, round: Round, respondents: i32, scores: &[(&str, f64, i32)]) -> Scan {
    Scan {
        organisation_id: id(org),
        round,
        respondent_count: respondents,
        scores: scores
            .iter()
            .map(|(d, mean, n)| DimensionScore {
                dimension_id: (*d).into(),
                mean: *mean,
                respondents: *n,
            })
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn activity(
    n: u128,
    person: u128,
    org: u128,
    planned_hours: Option<i32>,
    actual_hours: Option<i32>,
    credential: bool,
    month: Option<&str>,
) -> Activity {
    Activity {
        id: id(n),
        participant_id: id(person),
        organisation_id: id(org),
        planned: planned_hours.is_some(),
        planned_hours: planned_hours.unwrap_or(0),
        completed: actual_hours.is_some(),
        actual_hours: actual_hours.unwrap_or(0),
        credential,
        completed_month: month.map(str::to_owned),
        skill_uris: Vec::new(),
    }
}

fn allocation(activity: u128, person: u128, org: u128, source: &str, cents: i64) -> Allocation {
    Allocation {
        activity_id: id(activity),
        participant_id: id(person),
        organisation_id: id(org),
        source: source.into(),
        amount_cents: cents,
    }
}

fn registration(
    n: u128,
    person: Option<u128>,
    org: u128,
    status: &str,
    attendance: Option<Attendance>,
) -> Registration {
    Registration {
        id: id(n),
        workshop_id: id(51),
        participant_id: person.map(id),
        organisation_id: id(org),
        status: RegistrationStatus::parse(status),
        attendance,
        hours: 0.0,
        attended_month: None,
    }
}

/// A region small enough to compute by hand (minimum group size 3):
/// Alfa (12 employees) and Beta (5) with both scans, Gamma (300) with both,
/// Delta (60) with a baseline of 2 respondents only.
fn snapshot() -> Snapshot {
    let org = |n, name: &str, employees| Organisation {
        id: id(n),
        name: name.into(),
        sector: "metal".into(),
        employee_count: employees,
    };
    let participant = |n, o, uwv, enrolled| Participant {
        id: id(n),
        organisation_id: id(o),
        uwv_referral: uwv,
        enrolled,
    };
    let trajectory = |n, o, status| Trajectory {
        id: id(n),
        organisation_id: id(o),
        status,
        coach_assigned: true,
    };
    let intervention = |n, o| Intervention {
        id: id(n),
        trajectory_id: id(21),
        organisation_id: id(o),
        kind: "training".into(),
        dimension_id: "a".into(),
        planned_hours: 4,
    };
    let plan = |p, o| Plan {
        participant_id: id(p),
        organisation_id: id(o),
    };
    let workshop = |n, scheduled, cancelled| Workshop {
        id: id(n),
        scheduled,
        cancelled,
    };
    let feedback = |r, p: Option<u128>, o, rating| Feedback {
        registration_id: id(r),
        participant_id: p.map(id),
        organisation_id: id(o),
        rating,
    };
    use Round::*;
    Snapshot {
        region: "twente".into(),
        sector: None,
        min_group_size: 3,
        dimensions: vec![
            Dimension {
                id: "a".into(),
                name: "Leiderschap".into(),
                sector: None,
            },
            Dimension {
                id: "b".into(),
                name: "Delen".into(),
                sector: None,
            },
        ],
        sources: vec![
            Source {
                id: "slim".into(),
                name: "SLIM".into(),
                kind: "subsidy".into(),
                budget_cents: Some(100_000),
            },
            Source {
                id: "own".into(),
                name: "Eigen bijdrage".into(),
                kind: "employer_share".into(),
                budget_cents: None,
            },
        ],
        organisations: vec![
            org(C, "Gamma", 300),
            org(A, "Alfa", 12),
            org(D, "Delta", 60),
            org(B, "Beta", 5),
        ],
        participants: vec![
            participant(11, A, true, true),
            participant(12, A, false, true),
            participant(13, B, false, true),
            participant(14, B, true, false),
            participant(15, C, false, true),
            participant(16, C, false, true),
            participant(17, C, true, true),
        ],
        scans: vec![
            scan(A, Baseline, 10, &[("a", 3.0, 10), ("b", 4.0, 10)]),
            scan(A, FollowUp, 8, &[("a", 3.5, 8), ("b", 3.75, 8)]),
            scan(B, Baseline, 2, &[("a", 2.0, 2)]),
            scan(B, FollowUp, 6, &[("a", 3.0, 6)]),
            scan(C, Baseline, 20, &[("a", 4.0, 20), ("b", 2.0, 20)]),
            scan(C, FollowUp, 25, &[("a", 4.5, 25), ("b", 2.0, 25)]),
            scan(D, Baseline, 2, &[("a", 1.0, 2)]),
        ],
        trajectories: vec![
            trajectory(21, A, TrajectoryStatus::Active),
            trajectory(22, A, TrajectoryStatus::Cancelled),
            trajectory(23, B, TrajectoryStatus::Proposed),
        ],
        interventions: vec![
            intervention(32, A),
            intervention(31, A),
            intervention(33, B),
        ],
        sessions: vec![
            CoachingSession {
                organisation_id: id(A),
                minutes: 90,
            },
            CoachingSession {
                organisation_id: id(B),
                minutes: 45,
            },
        ],
        plans: vec![plan(11, A), plan(11, A), plan(12, A)],
        activities: vec![
            activity(41, 11, A, Some(8), Some(6), true, Some("2026-03")),
            activity(42, 12, A, Some(4), None, false, None),
            activity(43, 13, B, None, Some(2), false, Some("2026-04")),
            activity(44, 12, A, None, Some(3), false, Some("2026-03")),
        ],
        allocations: vec![
            allocation(41, 11, A, "slim", 30_000),
            allocation(42, 12, A, "own", 5_000),
            allocation(42, 12, A, "slim", 2_000),
            allocation(42, 12, A, "extra", 1_000),
        ],
        workshops: vec![
            workshop(51, true, false),
            workshop(52, true, true),
            workshop(54, true, false),
            workshop(53, false, false),
        ],
        registrations: vec![
            registration(61, Some(11), A, "attended_fully", Some(Attendance::Fully)),
            registration(62, Some(12), A, "booked", None),
            registration(63, Some(13), B, "no_show", Some(Attendance::NoShow)),
            registration(64, None, B, "wait_listed", None),
            registration(65, Some(12), A, "cancelled", None),
            registration(
                66,
                Some(13),
                B,
                "attended_partially",
                Some(Attendance::Partially),
            ),
        ],
        feedback: vec![
            feedback(61, Some(11), A, 4),
            feedback(66, Some(13), B, 5),
            feedback(63, None, B, 2),
        ],
        knowledge_items: 7,
        ..Default::default()
    }
}

fn full() -> Rule {
    Rule::full(3)
}

fn anonymised() -> Rule {
    Rule::anonymised(3)
}

fn v(fig: Fig) -> (f64, Cell) {
    (fig.value, fig.cell)
}

fn figs<const N: usize>(figs: [Fig; N]) -> [(f64, Cell); N] {
    figs.map(v)
}

fn organisation(s: &Snapshot, n: u128) -> Organisation {
    s.organisations
        .iter()
        .find(|o| o.id == id(n))
        .unwrap()
        .clone()
}

#[test]
fn the_overview_counts_people_activities_and_the_community_by_hand() {
    let o = overview(&snapshot(), &full());
    use SizeClass::*;
    assert_eq!(
        o.companies,
        BTreeMap::from([(Micro, 1), (Small, 1), (Medium, 1), (Large, 1)])
    );
    assert_eq!(o.companies_total, 4);
    assert_eq!(
        figs([
            o.employees_reached,
            o.uwv_referrals,
            o.development_plans,
            o.activities_planned,
            o.activities_completed,
            o.hours_planned,
            o.hours_attended,
            o.registrations,
            o.attendance_rate,
            o.average_feedback,
        ]),
        [
            (6.0, Shown),
            (2.0, Shown),
            (3.0, Shown),
            (2.0, Shown),
            (3.0, Shown),
            (12.0, Shown),
            (11.0, Shown),
            (4.0, Shown),
            (0.67, Shown),
            (3.67, Shown),
        ]
    );
    assert_eq!(o.coaching_sessions, 2);
    assert_eq!(o.coaching_hours, 2.25);
    assert_eq!(o.workshops_held, 2, "scheduled and not cancelled");
    assert_eq!(o.knowledge_items, 7);
    use TrajectoryStatus::*;
    assert_eq!(
        o.trajectories,
        BTreeMap::from([(Proposed, 1), (Active, 1), (Cancelled, 1)])
    );
    assert_eq!(o.tally, Tally::default());
}

#[test]
fn the_anonymised_overview_hides_figures_about_fewer_than_three_people() {
    let o = overview(&snapshot(), &anonymised());
    assert_eq!(
        figs([
            o.employees_reached,
            o.uwv_referrals,
            o.development_plans,
            o.activities_planned,
            o.activities_completed,
            o.hours_planned,
            o.hours_attended,
            o.registrations,
            o.attendance_rate,
            o.average_feedback,
        ]),
        [
            (6.0, Shown),
            (0.0, SmallGroup),
            (0.0, SmallGroup),
            (0.0, SmallGroup),
            (3.0, Shown),
            (0.0, SmallGroup),
            (11.0, Shown),
            (4.0, Shown),
            (0.0, SmallGroup),
            (3.67, Shown),
        ]
    );
    assert_eq!(
        o.tally,
        Tally {
            small_group: 5,
            complementary: 0,
            dominance: 0,
        }
    );
}

#[test]
fn an_empty_region_has_nothing_to_rate_or_compare() {
    let empty = Snapshot::default();
    let o = overview(&empty, &full());
    assert_eq!(v(o.attendance_rate), (0.0, Shown));
    assert_eq!(v(o.average_feedback), (0.0, Shown));
    let e = evaluation(
        &Snapshot {
            dimensions: snapshot().dimensions,
            ..Snapshot::default()
        },
        &full(),
    );
    assert_eq!(e.companies_compared, 0);
    assert_eq!(v(e.mean_change), (0.0, NotAvailable));
    assert_eq!(v(e.dimensions[0].mean_baseline), (0.0, NotAvailable));
    assert_eq!(v(e.attendance_rate), (0.0, Shown));
    let f = funding(&empty, &full());
    assert_eq!(v(f.cost_per_participant_cents), (0.0, Shown));
}

#[test]
fn the_plans_hide_small_rows_and_a_partner_consistently() {
    let p = plans(&snapshot(), &anonymised());
    // Scans (the smaller round's respondents): Alfa 8, Beta 2, Gamma 20.
    assert_eq!(
        p.scans,
        HashMap::from([(id(A), Complementary), (id(B), SmallGroup), (id(C), Shown)])
    );
    assert_eq!(p.scans_total, Shown);
    // Participants: Alfa 2, Beta 1 (the other is not enrolled), Delta 0, Gamma 3.
    assert_eq!(
        p.participation,
        HashMap::from([
            (id(A), SmallGroup),
            (id(B), SmallGroup),
            (id(C), Shown),
            (id(D), Shown)
        ])
    );
    assert_eq!(p.participation_total, Shown);
    // Funded people: Alfa 2, nobody else: the total itself is small.
    assert_eq!(
        p.funding,
        HashMap::from([
            (id(A), SmallGroup),
            (id(B), Shown),
            (id(C), Shown),
            (id(D), Shown)
        ])
    );
    assert_eq!(p.funding_total, SmallGroup);
    let p = plans(&snapshot(), &full());
    assert!(p.scans.values().all(|c| *c == Shown));
    assert_eq!(p.scans.len(), 3);
}

#[test]
fn a_companys_progress_by_hand() {
    let s = snapshot();
    let p = progress(&s, &organisation(&s, A), &full());
    let rows: Vec<_> = p
        .dimensions
        .iter()
        .map(|d| {
            (
                d.dimension_id.as_str(),
                figs([
                    d.baseline,
                    d.follow_up,
                    d.change,
                    d.baseline_respondents,
                    d.follow_up_respondents,
                ]),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "a",
                [
                    (3.0, Shown),
                    (3.5, Shown),
                    (0.5, Shown),
                    (10.0, Shown),
                    (8.0, Shown)
                ]
            ),
            (
                "b",
                [
                    (4.0, Shown),
                    (3.75, Shown),
                    (-0.25, Shown),
                    (10.0, Shown),
                    (8.0, Shown)
                ]
            )
        ]
    );
    assert_eq!(p.dimensions[1].dimension_name, "Delen");
    // The active trajectory, not the cancelled one with the higher id.
    assert_eq!(p.trajectory.map(|t| t.id), Some(id(21)));
    let interventions: Vec<_> = p.interventions.iter().map(|i| i.id).collect();
    assert_eq!(interventions, [id(31), id(32)]);
    assert_eq!(
        figs([
            p.participants,
            p.uwv_referrals,
            p.development_plans,
            p.activities_planned,
            p.activities_completed,
            p.credentials,
            p.hours_planned,
            p.hours_attended,
        ]),
        [
            (2.0, Shown),
            (1.0, Shown),
            (3.0, Shown),
            (2.0, Shown),
            (2.0, Shown),
            (1.0, Shown),
            (12.0, Shown),
            (9.0, Shown),
        ]
    );
    assert_eq!(p.coaching_sessions, 1);
    assert_eq!(p.coaching_hours, 1.5);
    let funding: Vec<_> = p
        .funding
        .iter()
        .map(|f| {
            (
                f.source.as_str(),
                f.name.as_str(),
                f.public,
                v(f.committed),
                v(f.spent),
            )
        })
        .collect();
    assert_eq!(
        funding,
        [
            ("slim", "SLIM", true, (2000.0, Shown), (30000.0, Shown)),
            (
                "own",
                "Eigen bijdrage",
                false,
                (5000.0, Shown),
                (0.0, Shown)
            ),
        ]
    );
    assert_eq!(p.tally, Tally::default());
}

#[test]
fn a_companys_progress_follows_the_regions_plans_when_anonymised() {
    let s = snapshot();
    let p = progress(&s, &organisation(&s, A), &anonymised());
    for d in &p.dimensions {
        assert_eq!(
            figs([
                d.baseline,
                d.follow_up,
                d.change,
                d.baseline_respondents,
                d.follow_up_respondents
            ]),
            [(0.0, Complementary); 5]
        );
    }
    assert_eq!(
        figs([
            p.participants,
            p.uwv_referrals,
            p.development_plans,
            p.activities_planned,
            p.activities_completed,
            p.credentials,
            p.hours_planned,
            p.hours_attended,
            p.funding[0].committed,
            p.funding[1].spent,
        ]),
        [(0.0, SmallGroup); 10]
    );
    assert_eq!(
        p.tally,
        Tally {
            small_group: 12,
            complementary: 10,
            dominance: 0,
        }
    );
    // Gamma: three participants, shown; its one uwv referral is a group of one.
    let p = progress(&s, &organisation(&s, C), &anonymised());
    assert_eq!(v(p.participants), (3.0, Shown));
    assert_eq!(v(p.uwv_referrals), (0.0, SmallGroup));
    assert_eq!(v(p.dimensions[0].baseline), (4.0, Shown));
    // Delta is in no scan table: each round is judged on its own.
    let p = progress(&s, &organisation(&s, D), &anonymised());
    let a = &p.dimensions[0];
    assert_eq!(
        figs([a.baseline, a.follow_up, a.change, a.baseline_respondents]),
        [
            (0.0, SmallGroup),
            (0.0, NotAvailable),
            (0.0, NotAvailable),
            (0.0, SmallGroup)
        ]
    );
    let p = progress(&s, &organisation(&s, D), &full());
    assert_eq!(v(p.dimensions[0].baseline), (1.0, Shown));
    assert_eq!(v(p.dimensions[0].baseline_respondents), (2.0, Shown));
    assert_eq!(v(p.dimensions[1].baseline), (0.0, NotAvailable));
}

#[test]
fn the_evaluation_weighs_company_means_by_respondents() {
    let e = evaluation(&snapshot(), &full());
    let dims: Vec<_> = e
        .dimensions
        .iter()
        .map(|d| {
            (
                d.dimension_name.as_str(),
                d.companies,
                figs([
                    d.mean_baseline,
                    d.mean_follow_up,
                    d.change,
                    d.baseline_respondents,
                    d.follow_up_respondents,
                ]),
            )
        })
        .collect();
    // a: (3·10 + 2·2 + 4·20) / 32 = 3.5625; (3.5·8 + 3·6 + 4.5·25) / 39 = 4.064
    // b: (4·10 + 2·20) / 30 = 2.667; (3.75·8 + 2·25) / 33 = 2.424
    assert_eq!(
        dims,
        [
            (
                "Leiderschap",
                3,
                [
                    (3.56, Shown),
                    (4.06, Shown),
                    (0.5, Shown),
                    (32.0, Shown),
                    (39.0, Shown)
                ]
            ),
            (
                "Delen",
                2,
                [
                    (2.67, Shown),
                    (2.42, Shown),
                    (-0.25, Shown),
                    (30.0, Shown),
                    (33.0, Shown)
                ]
            )
        ]
    );
    assert_eq!(e.dimensions[0].dimension_id, "a");
    assert_eq!(e.companies_compared, 3);
    // (0.5 − 0.25) / 2 = 0.125
    assert_eq!(v(e.mean_change), (0.13, Shown));
    assert_eq!((e.dimensions_improved, e.dimensions_declined), (1, 1));
    let companies: Vec<_> = e
        .companies
        .iter()
        .map(|c| (c.organisation_name.as_str(), c.cell, c.dimensions.len()))
        .collect();
    assert_eq!(
        companies,
        [("Alfa", Shown, 2), ("Beta", Shown, 2), ("Gamma", Shown, 2)]
    );
    assert_eq!(e.companies[1].organisation_id, id(B));
    assert_eq!(v(e.companies[1].dimensions[0].change), (1.0, Shown));
    assert_eq!(
        figs([
            e.workshop_participants,
            e.attendance_rate,
            e.average_feedback,
            e.feedback_count,
            e.participants_completed,
            e.activities_completed,
            e.credentials,
            e.hours_attended,
        ]),
        [
            (2.0, Shown),
            (0.67, Shown),
            (3.67, Shown),
            (3.0, Shown),
            (3.0, Shown),
            (3.0, Shown),
            (1.0, Shown),
            (11.0, Shown),
        ]
    );
    assert_eq!(e.tally, Tally::default());
}

#[test]
fn the_anonymised_evaluation_hides_small_companies_and_small_groups() {
    let e = evaluation(&snapshot(), &anonymised());
    let companies: Vec<_> = e
        .companies
        .iter()
        .map(|c| (c.organisation_name.as_str(), c.cell, c.dimensions.len()))
        .collect();
    assert_eq!(
        companies,
        [
            ("Alfa", Complementary, 0),
            ("Beta", SmallGroup, 0),
            ("Gamma", Shown, 2)
        ]
    );
    assert_eq!(v(e.dimensions[0].mean_baseline), (3.56, Shown));
    // Issue 22, finding 13: only Alfa (hidden) and Gamma (shown) answered "b", so its
    // total less Gamma's row would be Alfa's: the total of "b" is hidden, all five cells.
    let b = &e.dimensions[1];
    assert_eq!(
        figs([
            b.mean_baseline,
            b.mean_follow_up,
            b.change,
            b.baseline_respondents,
            b.follow_up_respondents
        ]),
        [(0.0, Complementary); 5]
    );
    assert_eq!(
        v(e.mean_change),
        (0.5, Shown),
        "the shown change of \"a\" alone"
    );
    assert_eq!(
        figs([e.workshop_participants, e.attendance_rate, e.feedback_count]),
        [(0.0, SmallGroup), (0.0, SmallGroup), (3.0, Shown)]
    );
    assert_eq!(
        e.tally,
        Tally {
            small_group: 3,
            complementary: 6,
            dominance: 0,
        }
    );
    // Only Beta compared: its table's total is a small group, so is every mean.
    let mut s = snapshot();
    s.scans.retain(|x| x.organisation_id == id(B));
    let e = evaluation(&s, &anonymised());
    assert_eq!(v(e.dimensions[0].mean_baseline), (0.0, SmallGroup));
    assert_eq!(v(e.dimensions[1].mean_baseline), (0.0, NotAvailable));
    assert_eq!(v(e.mean_change), (0.0, SmallGroup));
    assert_eq!((e.dimensions_improved, e.dimensions_declined), (0, 0));
}

#[test]
fn funding_by_source_and_company() {
    let f = funding(&snapshot(), &full());
    let sources: Vec<_> = f
        .sources
        .iter()
        .map(|x| {
            (
                x.source.id.as_str(),
                x.committed_cents,
                x.spent_cents,
                x.remaining_cents,
            )
        })
        .collect();
    // An allocation from a source the packs do not name still shows up.
    assert_eq!(
        sources,
        [
            ("slim", 2_000, 30_000, Some(68_000)),
            ("own", 5_000, 0, None),
            ("extra", 1_000, 0, None)
        ]
    );
    assert_eq!(f.sources[2].source.name, "extra");
    assert_eq!(f.total_cents, 38_000);
    assert_eq!(f.participants_funded, 2);
    assert_eq!(v(f.cost_per_participant_cents), (19_000.0, Shown));
    let companies: Vec<_> = f
        .companies
        .iter()
        .map(|c| {
            (
                c.organisation_name.as_str(),
                figs([c.public_cents, c.total_cents, c.participants]),
            )
        })
        .collect();
    assert_eq!(
        companies[0],
        ("Alfa", [(33_000.0, Shown), (38_000.0, Shown), (2.0, Shown)])
    );
    assert_eq!(companies[1].1, [(0.0, Shown); 3]);
    assert_eq!(f.companies[0].organisation_id, id(A));
    assert_eq!(f.tally, Tally::default());

    let f = funding(&snapshot(), &anonymised());
    assert_eq!(v(f.cost_per_participant_cents), (0.0, SmallGroup));
    assert_eq!(
        figs([
            f.companies[0].public_cents,
            f.companies[0].total_cents,
            f.companies[0].participants
        ]),
        [(0.0, SmallGroup); 3]
    );
    // Issue 22, finding 4: two people funded in all, so the total and their number go
    // with the cost per participant (38,000 / 2 would give it back); and each source
    // funds fewer than three, so its amounts are hidden too (finding 13).
    assert_eq!(
        (f.totals_cell, f.total_cents, f.participants_funded),
        (SmallGroup, 0, 0)
    );
    for source in &f.sources {
        assert_eq!(
            (source.cell, source.committed_cents, source.spent_cents),
            (SmallGroup, 0, 0),
            "{}",
            source.source.id
        );
    }
    assert_eq!(
        f.sources[0].remaining_cents,
        Some(0),
        "budget − spent is spent"
    );
    assert_eq!(
        f.tally,
        Tally {
            small_group: 8,
            complementary: 0,
            dominance: 0,
        }
    );
}

#[test]
fn a_source_used_by_few_is_hidden_with_a_partner_against_the_published_total() {
    // Issue 22, finding 13 (funding): ten people funded from SLIM, one from the sector
    // fund, four from the employer: the fund's amount is one person's.
    // Two companies of ten; each source shared between them (no company dominates).
    let mut s = companies_with(&[0, 0], &[0, 0]);
    let people: Vec<(Uuid, Uuid)> = s
        .participants
        .iter()
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let allocate = |n: usize, source: &str, cents: i64| Allocation {
        activity_id: id(9000 + n as u128),
        participant_id: people[n].0,
        organisation_id: people[n].1,
        source: source.into(),
        amount_cents: cents,
    };
    s.allocations = (0..5)
        .chain(10..15)
        .map(|n| allocate(n, "slim", 100_000))
        .collect();
    s.allocations.push(allocate(5, "ooa-fonds", 250_000));
    s.allocations
        .extend([6, 7, 15, 16].map(|n| allocate(n, "eigen", 20_000)));
    let f = funding(&s, &anonymised());
    let by_source: Vec<(&str, Cell, i64)> = f
        .sources
        .iter()
        .map(|x| (x.source.id.as_str(), x.cell, x.committed_cents))
        .collect();
    assert_eq!(
        by_source,
        [
            ("slim", Shown, 1_000_000),
            ("ooa-fonds", SmallGroup, 0),
            ("eigen", Complementary, 0)
        ],
        "total − slim = fund + employer: two amounts, neither given back"
    );
    assert_eq!((f.totals_cell, f.total_cents), (Shown, 1_330_000));
    assert_eq!(funding(&s, &full()).sources[1].committed_cents, 250_000);
}

#[test]
fn the_report_adds_hours_per_company_and_month_and_sums_the_tallies() {
    let mut s = snapshot();
    let r = report(&s, "Twente", "LLO");
    assert_eq!(
        (
            r.region.as_str(),
            r.region_name.as_str(),
            r.programme.as_str()
        ),
        ("twente", "Twente", "LLO")
    );
    assert_eq!((r.sector.clone(), r.min_group_size), (None, 3));
    assert_eq!(r.overview, overview(&s, &anonymised()));
    assert_eq!(r.evaluation, evaluation(&s, &anonymised()));
    assert_eq!(r.funding, funding(&s, &anonymised()));
    let hours: Vec<_> = r
        .hours
        .iter()
        .map(|h| (h.organisation_name.as_str(), h.cell, v(h.participants)))
        .collect();
    assert_eq!(
        hours,
        [
            ("Alfa", SmallGroup, (0.0, SmallGroup)),
            ("Beta", SmallGroup, (0.0, SmallGroup)),
            ("Delta", Shown, (0.0, Shown)),
            ("Gamma", Shown, (3.0, Shown))
        ]
    );
    // Months: March has two active people, April one: both small.
    let months: Vec<_> = r
        .months
        .iter()
        .map(|m| {
            (
                m.month.as_str(),
                v(m.active_participants),
                v(m.hours_attended),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2026-03", (0.0, SmallGroup), (0.0, SmallGroup)),
            ("2026-04", (0.0, SmallGroup), (0.0, SmallGroup))
        ]
    );
    // 5 (overview) + 3 (evaluation) + 8 (funding: 4 + 3 sources + its totals) + 2
    // companies + 2 months; the evaluation's Alfa and its dimension "b" (five cells).
    assert_eq!(
        r.tally,
        Tally {
            small_group: 20,
            complementary: 6,
            dominance: 0,
        }
    );

    // With a minimum group of one, every figure is shown.
    s.min_group_size = 1;
    s.sector = Some("metal".into());
    let r = report(&s, "Twente", "LLO");
    assert_eq!(r.sector.as_deref(), Some("metal"));
    assert_eq!(r.min_group_size, 1);
    let hours: Vec<_> = r
        .hours
        .iter()
        .map(|h| {
            (
                h.organisation_name.as_str(),
                figs([h.participants, h.hours_planned, h.hours_attended]),
            )
        })
        .collect();
    assert_eq!(
        hours[0],
        ("Alfa", [(2.0, Shown), (12.0, Shown), (9.0, Shown)])
    );
    assert_eq!(
        hours[1],
        ("Beta", [(1.0, Shown), (0.0, Shown), (2.0, Shown)])
    );
    let months: Vec<_> = r
        .months
        .iter()
        .map(|m| {
            (
                m.month.as_str(),
                v(m.active_participants),
                v(m.hours_attended),
            )
        })
        .collect();
    assert_eq!(
        months,
        [
            ("2026-03", (2.0, Shown), (9.0, Shown)),
            ("2026-04", (1.0, Shown), (2.0, Shown))
        ]
    );
    assert_eq!(r.tally, Tally::default());
}

#[test]
fn a_hidden_figure_carries_no_value_and_is_counted() {
    let mut t = Tally::default();
    assert_eq!(v(Fig::new(7.0, SmallGroup, &mut t)), (0.0, SmallGroup));
    assert_eq!(v(Fig::new(7.0, Shown, &mut t)), (7.0, Shown));
    assert_eq!(t.small_group, 1);
    assert_eq!(v(Fig::shown(2.5)), (2.5, Shown));
    assert_eq!(v(Fig::not_available()), (0.0, NotAvailable));
}

#[test]
fn improved_and_declined_dimensions_are_counted_apart_from_unchanged_ones() {
    let dims = ["a", "b", "c", "d"];
    let (before, after) = ([2.0, 2.0, 3.0, 3.0], [3.0, 2.5, 3.0, 2.5]);
    let scores = |means: [f64; 4]| -> Vec<(&str, f64, i32)> {
        dims.iter().zip(means).map(|(d, m)| (*d, m, 5)).collect()
    };
    let s = Snapshot {
        min_group_size: 3,
        dimensions: dims
            .iter()
            .map(|d| Dimension {
                id: (*d).into(),
                name: d.to_uppercase(),
                sector: None,
            })
            .collect(),
        organisations: vec![Organisation {
            id: id(A),
            name: "Alfa".into(),
            sector: "metal".into(),
            employee_count: 12,
        }],
        scans: vec![
            scan(A, Round::Baseline, 5, &scores(before)),
            scan(A, Round::FollowUp, 5, &scores(after)),
        ],
        ..Snapshot::default()
    };
    let e = evaluation(&s, &full());
    assert_eq!((e.dimensions_improved, e.dimensions_declined), (2, 1));
    // (1 + 0.5 + 0 − 0.5) / 4
    assert_eq!(v(e.mean_change), (0.25, Shown));
}

#[test]
fn a_dimension_nobody_answered_has_a_mean_of_zero_not_nan() {
    let mut s = snapshot();
    for scan in &mut s.scans {
        for score in &mut scan.scores {
            score.respondents = 0;
        }
    }
    let e = evaluation(&s, &full());
    assert_eq!(v(e.dimensions[0].mean_baseline), (0.0, Shown));
    assert_eq!(v(e.dimensions[0].mean_follow_up), (0.0, Shown));
    assert_eq!(v(e.dimensions[0].baseline_respondents), (0.0, Shown));
}

#[test]
fn the_reports_tally_adds_every_tables_complementary_cells() {
    // Groups of one are small: Beta's one funded and one enrolled person, April's one
    // active person; each takes the smallest shown row of its table with it. The sources
    // "own" and "extra" fund one person each: two small rows, no partner needed. Alfa
    // makes up 98 % of SLIM and of all funding: SLIM, the total and the cost per
    // participant are dominated.
    let mut s = snapshot();
    s.min_group_size = 2;
    s.allocations.push(allocation(43, 13, B, "slim", 500));
    let r = report(&s, "Twente", "LLO");
    assert_eq!(r.overview.tally, Tally::default());
    assert_eq!(r.evaluation.tally, Tally::default());
    assert_eq!(
        r.funding.tally,
        Tally {
            small_group: 5,
            complementary: 3,
            dominance: 3,
        }
    );
    let hours: Vec<_> = r.hours.iter().map(|h| h.cell).collect();
    assert_eq!(hours, [Complementary, SmallGroup, Shown, Shown]);
    let months: Vec<_> = r.months.iter().map(|m| v(m.active_participants)).collect();
    assert_eq!(months, [(0.0, Complementary), (0.0, SmallGroup)]);
    assert_eq!(
        r.tally,
        Tally {
            small_group: 7,
            complementary: 5,
            dominance: 3,
        }
    );
}

#[test]
fn the_reports_timeline_follows_the_programmes_calendar() {
    use llo_chassis::packs::{Calendar, Phase};
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let phase = |id: &str, name: &str, start: &str, end: &str| Phase {
        id: id.into(),
        name: name.into(),
        start: day(start),
        end: day(end),
    };
    let calendar = Calendar {
        start: day("2026-01-01"),
        end: day("2026-12-31"),
        phases: vec![
            phase("needs", "Behoeftepeiling", "2026-01-01", "2026-03-31"),
            phase(
                "development",
                "Ontwikkeltrajecten",
                "2026-04-01",
                "2026-12-31",
            ),
        ],
    };
    let mut r = report(&snapshot(), "Achterhoek", "LLO Achterhoek");
    assert!(r.phases.is_empty() && r.months.iter().all(|m| m.phase.is_none()));
    on_calendar(&mut r, &calendar);
    let phases: Vec<(&str, String)> = r
        .phases
        .iter()
        .map(|p| (p.name.as_str(), p.start.to_string()))
        .collect();
    assert_eq!(
        phases,
        [
            ("Behoeftepeiling", "2026-01-01".to_owned()),
            ("Ontwikkeltrajecten", "2026-04-01".to_owned())
        ]
    );
    let months: Vec<(&str, Option<&str>)> = r
        .months
        .iter()
        .map(|m| (m.month.as_str(), m.phase.as_deref()))
        .collect();
    assert_eq!(
        months,
        [
            ("2026-03", Some("Behoeftepeiling")),
            ("2026-04", Some("Ontwikkeltrajecten"))
        ]
    );
}

/// Companies of 10 enrolled each, `referred[i]` of them referred by UWV and
/// `completers[i]` of them having completed one 6-hour activity with a credential.
fn companies_with(referred: &[u128], completers: &[u128]) -> Snapshot {
    let mut s = Snapshot {
        region: "achterhoek".into(),
        min_group_size: 3,
        ..Default::default()
    };
    for (c, (&uwv, &done)) in referred.iter().zip(completers).enumerate() {
        let org = 100 + c as u128;
        s.organisations.push(Organisation {
            id: id(org),
            name: format!("Bedrijf {c}"),
            sector: "metal".into(),
            employee_count: 40,
        });
        for p in 0..10 {
            let person = org * 1000 + p;
            s.participants.push(Participant {
                id: id(person),
                organisation_id: id(org),
                uwv_referral: p < uwv,
                enrolled: true,
            });
            if p < done {
                s.activities.push(activity(
                    person * 10,
                    person,
                    org,
                    Some(8),
                    Some(6),
                    true,
                    Some("2022-03"),
                ));
            }
        }
    }
    s
}

#[test]
fn a_companys_uwv_referrals_cannot_be_subtracted_from_the_regions() {
    // Issue 22, finding 2: referrals of 6, 0 and 2 with the region's 8 published.
    let s = companies_with(&[6, 0, 2], &[0, 0, 0]);
    let rule = anonymised();
    let total = overview(&s, &rule).uwv_referrals;
    assert_eq!(v(total), (8.0, Shown));
    let referrals: Vec<(f64, Cell)> = s
        .organisations
        .iter()
        .map(|o| v(progress(&s, o, &rule).uwv_referrals))
        .collect();
    assert_eq!(
        referrals,
        [(0.0, Complementary), (0.0, Shown), (0.0, SmallGroup)],
        "the company of 6 is hidden with the one of 2: 8 − 6 − 0 no longer gives 2"
    );
    // The company itself, and the programme manager, see their figure in full.
    assert_eq!(
        v(progress(&s, &s.organisations[2], &full()).uwv_referrals),
        (2.0, Shown)
    );
}

#[test]
fn a_companys_learning_is_suppressed_by_the_people_it_describes() {
    // Issue 22, finding 5: one person of 10 completed an activity in the first company.
    let s = companies_with(&[0, 0, 0], &[1, 5, 4]);
    let rule = anonymised();
    let one = progress(&s, &s.organisations[0], &rule);
    assert_eq!(v(one.participants), (10.0, Shown), "ten enrolled: shown");
    assert_eq!(
        figs([
            one.hours_attended,
            one.credentials,
            one.activities_completed
        ]),
        [(0.0, SmallGroup); 3],
        "one person's hours and credential are that person's"
    );
    // The partner with the fewest completers goes too, against the region's total.
    let partner = progress(&s, &s.organisations[2], &rule);
    assert_eq!(v(partner.hours_attended), (0.0, Complementary));
    assert_eq!(
        v(progress(&s, &s.organisations[1], &rule).hours_attended),
        (30.0, Shown)
    );
    assert_eq!(v(overview(&s, &rule).hours_attended), (60.0, Shown));
    // The report's hours table: the row shows its people, not the one learner's hours.
    let report = report(&s, "Achterhoek", "LLO");
    let row = &report.hours[0];
    assert_eq!(
        (v(row.participants), v(row.hours_attended)),
        ((10.0, Shown), (0.0, SmallGroup))
    );
    assert_eq!(v(report.hours[2].hours_attended), (0.0, Complementary));
    assert!(report.tally.small_group >= 1 && report.tally.complementary >= 1);
}

#[test]
fn two_sectors_are_evaluated_each_on_its_own_scan() {
    // Issue 22, finding 14: "loopbaan" means one thing in metal and another in care;
    // "leiderschap" is named alike in both; a sector without companies adds no rows.
    let metal = (
        "techniek-metaal",
        "Techniek en metaal",
        vec![
            ("leiderschap", "Leiderschap"),
            ("loopbaan", "Loopbaan en ontwikkelgesprekken"),
        ],
    );
    let care = (
        "zorg-welzijn",
        "Zorg en welzijn",
        vec![
            ("leiderschap", "Leiderschap"),
            ("loopbaan", "Loopbaan en duurzame inzetbaarheid"),
        ],
    );
    let bouw = ("bouw", "Bouw", vec![("veiligheid", "Veiligheid")]);
    let scans = [metal, care, bouw];
    let dimensions = scan_dimensions(&scans, &["techniek-metaal", "zorg-welzijn"]);
    let rows: Vec<(&str, &str, Option<&str>)> = dimensions
        .iter()
        .map(|d| (d.id.as_str(), d.name.as_str(), d.sector.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("leiderschap", "Leiderschap", None),
            (
                "loopbaan",
                "Loopbaan en ontwikkelgesprekken (Techniek en metaal)",
                Some("techniek-metaal")
            ),
            (
                "loopbaan",
                "Loopbaan en duurzame inzetbaarheid (Zorg en welzijn)",
                Some("zorg-welzijn")
            ),
        ]
    );
    // Nobody taking part yet: every sector's rows, as not available.
    assert_eq!(scan_dimensions(&scans, &[]).len(), 4);

    // One company per sector, each answering "loopbaan" on its own scale.
    let org = |n, sector: &str| Organisation {
        id: id(n),
        name: format!("Bedrijf {n}"),
        sector: sector.into(),
        employee_count: 50,
    };
    let s = Snapshot {
        min_group_size: 3,
        dimensions,
        organisations: vec![org(A, "techniek-metaal"), org(B, "zorg-welzijn")],
        scans: vec![
            scan(
                A,
                Round::Baseline,
                10,
                &[("leiderschap", 3.0, 10), ("loopbaan", 2.0, 10)],
            ),
            scan(
                A,
                Round::FollowUp,
                10,
                &[("leiderschap", 3.5, 10), ("loopbaan", 3.0, 10)],
            ),
            scan(
                B,
                Round::Baseline,
                10,
                &[("leiderschap", 2.0, 10), ("loopbaan", 4.0, 10)],
            ),
            scan(
                B,
                Round::FollowUp,
                10,
                &[("leiderschap", 2.5, 10), ("loopbaan", 4.5, 10)],
            ),
        ],
        ..Snapshot::default()
    };
    let e = evaluation(&s, &full());
    let means: Vec<(&str, (f64, Cell), u32)> = e
        .dimensions
        .iter()
        .map(|d| (d.dimension_name.as_str(), v(d.mean_baseline), d.companies))
        .collect();
    assert_eq!(
        means,
        [
            ("Leiderschap", (2.5, Shown), 2),
            (
                "Loopbaan en ontwikkelgesprekken (Techniek en metaal)",
                (2.0, Shown),
                1
            ),
            (
                "Loopbaan en duurzame inzetbaarheid (Zorg en welzijn)",
                (4.0, Shown),
                1
            ),
        ],
        "never (2 + 4) / 2 under one name"
    );
    // A company's own rows are its sector's dimensions only.
    let care_company = progress(&s, &s.organisations[1], &full());
    let names: Vec<&str> = care_company
        .dimensions
        .iter()
        .map(|d| d.dimension_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Leiderschap",
            "Loopbaan en duurzame inzetbaarheid (Zorg en welzijn)"
        ]
    );
}

/// A region of two sectors: (sector, enrolled people) per company, each person having
/// completed one 4-hour activity in March 2022.
fn two_sector_region(companies: &[(&str, u128)]) -> Snapshot {
    let mut s = Snapshot {
        region: "twente".into(),
        min_group_size: 3,
        ..Default::default()
    };
    for (c, (sector, people)) in companies.iter().enumerate() {
        let org = 200 + c as u128;
        s.organisations.push(Organisation {
            id: id(org),
            name: format!("Bedrijf {c}"),
            sector: (*sector).into(),
            employee_count: 40,
        });
        for p in 0..*people {
            let person = org * 1000 + p;
            s.participants.push(Participant {
                id: id(person),
                organisation_id: id(org),
                uwv_referral: false,
                enrolled: true,
            });
            s.activities.push(activity(
                person * 10,
                person,
                org,
                Some(4),
                Some(4),
                false,
                Some("2022-03"),
            ));
        }
    }
    s
}

#[test]
fn a_sectors_figure_is_not_the_region_less_the_other_sector() {
    // Issue 22, finding 1: metal has one company of 2 people, care 10 and 8. The region
    // shows 20 reached; care's 18 would give metal's hidden 2 back.
    let s = two_sector_region(&[("metal", 2), ("care", 10), ("care", 8)]);
    let rule = anonymised();
    let region = overview(&s, &rule);
    let metal = overview(&s.clone().restrict_to_sector("metal"), &rule);
    let care = overview(&s.clone().restrict_to_sector("care"), &rule);
    assert_eq!(v(region.employees_reached), (20.0, Shown));
    assert_eq!(v(metal.employees_reached), (0.0, SmallGroup));
    assert_eq!(
        v(care.employees_reached),
        (0.0, Complementary),
        "20 − 18 would be metal's 2"
    );
    assert_eq!(v(care.hours_attended), (0.0, Complementary));
    assert!(care.tally.complementary >= 2);
    // Funding alike: everyone funded from SLIM, 500 euros each.
    let mut s = s;
    s.allocations = s
        .participants
        .iter()
        .map(|p| Allocation {
            activity_id: id(p.id.as_u128() * 10),
            participant_id: p.id,
            organisation_id: p.organisation_id,
            source: "slim".into(),
            amount_cents: 50_000,
        })
        .collect();
    let region = funding(&s, &rule);
    let care = funding(&s.clone().restrict_to_sector("care"), &rule);
    assert_eq!((region.totals_cell, region.total_cents), (Shown, 1_000_000));
    assert_eq!(
        (care.totals_cell, care.total_cents, care.sources[0].cell),
        (Complementary, 0, Complementary),
        "10,000 − 9,000 would be metal's two people's"
    );
    // Nothing to protect when every sector's figure is shown.
    let s = two_sector_region(&[("metal", 5), ("care", 10)]);
    let care = overview(&s.clone().restrict_to_sector("care"), &rule);
    assert_eq!(v(care.employees_reached), (10.0, Shown));
    // The timeline too: March of care alone would be the region's March less metal's.
    let s = two_sector_region(&[("metal", 2), ("care", 10), ("care", 8)]);
    let care = report(&s.clone().restrict_to_sector("care"), "Twente", "LLO");
    assert_eq!(
        v(care.months[0].hours_attended),
        (0.0, Complementary),
        "{:?}",
        care.months
    );
}

#[test]
fn a_companys_row_is_hidden_alike_in_the_region_and_its_sector() {
    // Metal: 2 (small) and 20; care: 9 and 30. The region pairs the 2 with care's 9;
    // metal's total less its 20 would give the 2, care's less its 30 the 9.
    let s = two_sector_region(&[("metal", 2), ("metal", 20), ("care", 9), ("care", 30)]);
    let cells = |view: &Snapshot| -> Vec<(String, Cell)> {
        report(view, "Twente", "LLO")
            .hours
            .iter()
            .map(|h| (h.organisation_name.clone(), h.cell))
            .collect()
    };
    let region = cells(&s);
    assert_eq!(
        region,
        [
            ("Bedrijf 0".to_owned(), SmallGroup),
            ("Bedrijf 1".to_owned(), Complementary),
            ("Bedrijf 2".to_owned(), Complementary),
            ("Bedrijf 3".to_owned(), Complementary),
        ]
    );
    // Each sector's view hides its companies exactly as the region's does.
    let metal = cells(&s.clone().restrict_to_sector("metal"));
    let care = cells(&s.clone().restrict_to_sector("care"));
    assert_eq!(metal, region[..2]);
    assert_eq!(care, region[2..]);
}

#[test]
fn an_amount_one_company_makes_up_most_of_is_hidden_with_a_partner() {
    // Issue 22, dominance: SLIM funds five people in each of two companies, but one
    // company's courses cost nine times the other's; the fund and the employer are
    // shared evenly.
    let mut s = companies_with(&[0, 0], &[0, 0]);
    let people: Vec<(Uuid, Uuid)> = s
        .participants
        .iter()
        .map(|p| (p.id, p.organisation_id))
        .collect();
    let allocate = |n: usize, source: &str, cents: i64| Allocation {
        activity_id: id(9000 + n as u128),
        participant_id: people[n].0,
        organisation_id: people[n].1,
        source: source.into(),
        amount_cents: cents,
    };
    s.allocations = (0..5).map(|n| allocate(n, "slim", 180_000)).collect();
    s.allocations
        .extend((10..15).map(|n| allocate(n, "slim", 20_000)));
    s.allocations
        .extend([5, 6, 7, 15, 16, 17].map(|n| allocate(n, "fonds", 50_000)));
    s.allocations
        .extend([8, 9, 18, 19].map(|n| allocate(n, "eigen", 10_000)));
    let f = funding(&s, &anonymised());
    let cells: Vec<(&str, Cell)> = f
        .sources
        .iter()
        .map(|x| (x.source.id.as_str(), x.cell))
        .collect();
    assert_eq!(
        cells,
        [
            ("slim", Dominance),
            ("fonds", Shown),
            ("eigen", Complementary)
        ],
        "SLIM is 90 % one company's; the smallest other source keeps it from the total"
    );
    assert_eq!(f.sources[0].committed_cents, 0);
    assert_eq!(f.tally.dominance, 1);
    // The total is not dominated (1,04 of 1,34 million: 78 %), and is shown.
    assert_eq!(f.totals_cell, Shown);
    // A programme manager sees it all.
    assert_eq!(funding(&s, &full()).sources[0].cell, Shown);
    // Nine tenths of everything from one company: the total goes too.
    s.allocations.retain(|a| a.source == "slim");
    let f = funding(&s, &anonymised());
    assert_eq!(
        (f.totals_cell, f.cost_per_participant_cents.cell),
        (Dominance, Dominance)
    );
}

/// Learning by skill: people and completed courses per ESCO skill, by the list's label;
/// anonymised, a skill about fewer than three people is hidden and, being the only one,
/// takes the smallest shown row with it (the total of completed learning is published).
#[test]
fn learning_by_skill_counts_people_per_skill_and_hides_small_rows_with_a_partner() {
    let mut s = Snapshot {
        region: "achterhoek".into(),
        min_group_size: 3,
        skills: vec![
            SkillLabel {
                uri: "esco/weld".into(),
                label: "MAG-lassen".into(),
            },
            SkillLabel {
                uri: "esco/cnc".into(),
                label: "CNC-freesmachine bedienen".into(),
            },
        ],
        ..Default::default()
    };
    let completed = |n: u128, person: u128, skills: &[&str]| Activity {
        skill_uris: skills.iter().map(|k| (*k).to_owned()).collect(),
        ..activity(n, person, A, Some(8), Some(8), true, Some("2027-03"))
    };
    // Welding: five people (one twice); CNC: three; drawings (no label): one.
    for person in 1..=5 {
        s.activities.push(completed(person, person, &["esco/weld"]));
    }
    s.activities
        .push(completed(6, 1, &["esco/weld", "esco/cnc"]));
    s.activities.push(completed(7, 2, &["esco/cnc"]));
    s.activities
        .push(completed(8, 3, &["esco/cnc", "esco/drawings"]));
    // Planned, not completed: not counted.
    s.activities
        .push(activity(9, 4, A, Some(8), None, false, None));

    type Row = (String, (f64, Cell), (f64, Cell));
    let rows = |s: &Snapshot, rule: &Rule| -> Vec<Row> {
        evaluation(s, rule)
            .by_skill
            .into_iter()
            .map(|k| (k.label, v(k.participants), v(k.activities)))
            .collect()
    };
    assert_eq!(
        rows(&s, &full()),
        [
            (
                "CNC-freesmachine bedienen".into(),
                (3.0, Shown),
                (3.0, Shown)
            ),
            ("esco/drawings".into(), (1.0, Shown), (1.0, Shown)),
            ("MAG-lassen".into(), (5.0, Shown), (6.0, Shown)),
        ]
    );
    assert_eq!(
        rows(&s, &anonymised()),
        [
            (
                "CNC-freesmachine bedienen".into(),
                (0.0, Complementary),
                (0.0, Complementary)
            ),
            ("esco/drawings".into(), (0.0, SmallGroup), (0.0, SmallGroup)),
            ("MAG-lassen".into(), (5.0, Shown), (6.0, Shown)),
        ]
    );
    // When the total of completed learning is itself a small group, so is every row.
    s.activities.retain(|a| a.participant_id == id(1));
    let hidden = rows(&s, &anonymised());
    assert!(
        hidden
            .iter()
            .all(|(_, p, a)| p.1 == SmallGroup && a.1 == SmallGroup),
        "{hidden:?}"
    );
}

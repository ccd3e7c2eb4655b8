//! The read models that hold immutable facts, for diesel's typed inserts. (The upserts
//! that merge state keep their SQL in `write.rs`: their conditions compare tuples.)
diesel::table! {
    rm_interventions (id) {
        id -> Uuid,
        trajectory_id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        kind -> Text,
        dimension_id -> Text,
        planned_hours -> Int4,
    }
}

diesel::table! {
    rm_coaching_sessions (id) {
        id -> Uuid,
        trajectory_id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        duration_minutes -> Int4,
    }
}

diesel::table! {
    rm_development_plans (id) {
        id -> Uuid,
        participant_id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
    }
}

diesel::table! {
    rm_funding_allocations (id) {
        id -> Uuid,
        activity_id -> Uuid,
        participant_id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        source -> Text,
        amount_cents -> Int8,
    }
}

diesel::table! {
    rm_knowledge_items (id) {
        id -> Uuid,
        region -> Text,
        kind -> Text,
    }
}

diesel::table! {
    rm_feedback (id) {
        id -> Uuid,
        region -> Text,
        registration_id -> Uuid,
        workshop_id -> Uuid,
        participant_id -> Nullable<Uuid>,
        organisation_id -> Uuid,
        rating -> Int4,
    }
}

diesel::table! {
    rm_project_costs (id) {
        id -> Uuid,
        region -> Text,
        participant -> Text,
        work_package -> Text,
        cost_type -> Text,
        minutes -> Int8,
        hourly_rate_cents -> Int8,
        invoiced_cents -> Int8,
        cost_date -> Date,
    }
}

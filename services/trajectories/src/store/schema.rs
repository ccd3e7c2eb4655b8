diesel::table! {
    organisations (id) {
        id -> Uuid,
        region -> Text,
        sector -> Text,
        name -> Text,
        employee_count -> Int4,
    }
}

diesel::table! {
    trajectories (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        sector -> Text,
        status -> Text,
        assessment_id -> Nullable<Uuid>,
        priority_dimension_ids -> Jsonb,
        coach_id -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    interventions (id) {
        id -> Uuid,
        trajectory_id -> Uuid,
        kind -> Text,
        title -> Text,
        description -> Text,
        dimension_id -> Nullable<Text>,
        planned_hours -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    coaching_sessions (id) {
        id -> Uuid,
        trajectory_id -> Uuid,
        coach_id -> Text,
        held_at -> Timestamptz,
        duration_minutes -> Int4,
        topic -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    development_plans (id) {
        id -> Uuid,
        participant_id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        erased_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    learning_goals (id) {
        id -> Uuid,
        plan_id -> Uuid,
        theme -> Text,
        description -> Text,
        need_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        skill_uris -> Array<Text>,
    }
}

diesel::table! {
    course_offerings (id) {
        id -> Uuid,
        region -> Text,
        provider -> Text,
        course_code -> Text,
        title -> Text,
        themes -> Jsonb,
        hours -> Int4,
        price_cents -> Int8,
        start_times -> Array<Timestamptz>,
        esco_skill_uris -> Jsonb,
        updated_at -> Timestamptz,
        runs -> Jsonb,
        teaching_language -> Text,
        modes_of_delivery -> Jsonb,
    }
}

diesel::table! {
    learning_activities (id) {
        id -> Uuid,
        plan_id -> Uuid,
        goal_id -> Nullable<Uuid>,
        kind -> Text,
        title -> Text,
        provider -> Text,
        theme -> Text,
        offering_id -> Nullable<Uuid>,
        planned_hours -> Int4,
        actual_hours -> Nullable<Int4>,
        cost_cents -> Int8,
        status -> Text,
        credential_name -> Nullable<Text>,
        credential_issuer -> Nullable<Text>,
        credential_url -> Nullable<Text>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
        attended_registration_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    funding_ledgers (region, source) {
        region -> Text,
        source -> Text,
    }
}

diesel::table! {
    funding_allocations (id) {
        id -> Uuid,
        activity_id -> Uuid,
        participant_id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        source -> Text,
        amount_cents -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    coaches (id) {
        id -> Uuid,
        subject -> Text,
        name -> Text,
        organisation_name -> Text,
        email -> Nullable<Text>,
        regions -> Array<Text>,
        registered_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    project_participants (id) {
        id -> Uuid,
        region -> Text,
        key -> Text,
        name -> Text,
        role -> Text,
        organisation_id -> Nullable<Uuid>,
        sme -> Bool,
        hourly_rate_cents -> Int8,
        people -> Array<Text>,
        updated_at -> Timestamptz,
        rate_method -> Text,
        person_rates -> Array<Int8>,
    }
}

diesel::table! {
    project_budget_lines (participant_id, work_package) {
        participant_id -> Uuid,
        work_package -> Text,
        planned_hours -> Int4,
        planned_third_party_cents -> Int8,
    }
}

diesel::table! {
    time_entries (id) {
        id -> Uuid,
        region -> Text,
        participant_id -> Uuid,
        person_id -> Text,
        work_package -> Text,
        day -> Date,
        minutes -> Int4,
        note -> Text,
        state -> Text,
        reverses -> Nullable<Uuid>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamptz>,
        reason -> Text,
        rate_cents -> Int8,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    locked_periods (region) {
        region -> Text,
        through -> Date,
        locked_by -> Text,
        locked_at -> Timestamptz,
    }
}

diesel::joinable!(project_budget_lines -> project_participants (participant_id));
diesel::joinable!(time_entries -> project_participants (participant_id));
diesel::allow_tables_to_appear_in_same_query!(
    project_participants,
    project_budget_lines,
    time_entries
);

diesel::table! {
    invoices (id) {
        id -> Uuid,
        region -> Text,
        participant_id -> Uuid,
        supplier -> Text,
        number -> Text,
        day -> Date,
        excl_vat_cents -> Int8,
        incl_vat_cents -> Int8,
        work_package -> Text,
        cost_type -> Text,
        state -> Text,
        credits -> Nullable<Uuid>,
        recorded_by -> Text,
        recorded_at -> Timestamptz,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamptz>,
        reason -> Text,
    }
}

diesel::joinable!(invoices -> project_participants (participant_id));

diesel::table! {
    organisations (id) {
        id -> Uuid,
        region -> Text,
        sector -> Text,
        name -> Text,
        kvk_number -> Text,
        municipality -> Text,
        employee_count -> Int4,
        created_at -> Timestamptz,
        hr_contact_email -> Nullable<Text>,
        hr_contact_name -> Nullable<Text>,
    }
}

diesel::table! {
    participants (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        email -> Nullable<Text>,
        role -> Text,
        job_title -> Nullable<Text>,
        consent_given -> Bool,
        consent_at -> Nullable<Timestamptz>,
        source -> Text,
        uwv_reference -> Nullable<Text>,
        import_source -> Nullable<Text>,
        external_reference -> Nullable<Text>,
        created_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    assessments (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        round -> Text,
        status -> Text,
        sector -> Text,
        priority_needs -> Jsonb,
        results -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    assessment_responses (id) {
        id -> Uuid,
        assessment_id -> Uuid,
        participant_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    assessment_answers (response_id, item_id) {
        response_id -> Uuid,
        item_id -> Text,
        score -> Int4,
    }
}

diesel::table! {
    learning_needs (id) {
        id -> Uuid,
        participant_id -> Uuid,
        theme -> Text,
        description -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    erasure_audit (id) {
        id -> Uuid,
        participant_id -> Uuid,
        organisation_id -> Uuid,
        erased_by -> Text,
        reason -> Text,
        erased_at -> Timestamptz,
    }
}

diesel::joinable!(participants -> organisations (organisation_id));
diesel::joinable!(assessments -> organisations (organisation_id));
diesel::joinable!(assessment_answers -> assessment_responses (response_id));
diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    participants,
    assessments,
    assessment_responses,
    assessment_answers
);

diesel::table! {
    credentials (id) {
        id -> Uuid,
        participant_id -> Nullable<Uuid>,
        organisation_id -> Uuid,
        region -> Text,
        activity_id -> Uuid,
        achievement_name -> Text,
        jwt -> Nullable<Text>,
        key_id -> Text,
        status_index -> Int4,
        issue_time -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoke_reason -> Text,
    }
}

diesel::table! {
    status_lists (region) {
        region -> Text,
        next_index -> Int4,
    }
}

diesel::table! {
    notices (id) {
        id -> Uuid,
        source_key -> Text,
        participant_id -> Nullable<Uuid>,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        ics -> Nullable<Text>,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Text,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        claim -> Nullable<Uuid>,
        organisation_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    notice_workshops (workshop_id) {
        workshop_id -> Uuid,
        region -> Text,
        title -> Text,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
        sequence -> Int4,
        location -> Text,
        online_url -> Text,
    }
}

diesel::table! {
    notice_registrations (registration_id) {
        registration_id -> Uuid,
        workshop_id -> Uuid,
        participant_id -> Uuid,
        region -> Text,
        status -> Text,
        booked_at -> Nullable<Timestamptz>,
        reminded_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(notice_registrations -> notice_workshops (workshop_id));
diesel::allow_tables_to_appear_in_same_query!(notice_registrations, notice_workshops);

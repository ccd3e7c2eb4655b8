// The generated search columns of knowledge_items (document, search_text) are read
// only by the raw search query in `knowledge.rs`, so they are not declared here.
diesel::table! {
    members (id) {
        id -> Uuid,
        region -> Text,
        member_type -> Text,
        name -> Text,
        organisation_id -> Nullable<Uuid>,
        sector -> Nullable<Text>,
        contact_role -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    participants (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        region -> Text,
        created_at -> Timestamptz,
        erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    workshops (id) {
        id -> Uuid,
        region -> Text,
        theme -> Text,
        title -> Text,
        description -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        capacity -> Int4,
        seats_per_company -> Nullable<Int4>,
        registration_closes_at -> Timestamptz,
        host_member_id -> Uuid,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        cancelled_at -> Nullable<Timestamptz>,
        facilitator_ids -> Array<Text>,
        already_held -> Bool,
    }
}

diesel::table! {
    registrations (id) {
        id -> Uuid,
        workshop_id -> Uuid,
        participant_id -> Nullable<Uuid>,
        organisation_id -> Uuid,
        status -> Text,
        arrival -> Int8,
        minutes_attended -> Nullable<Int4>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    feedback (id) {
        id -> Uuid,
        registration_id -> Uuid,
        workshop_id -> Uuid,
        rating -> Int4,
        comment -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    knowledge_items (id) {
        id -> Uuid,
        region -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        themes -> Array<Text>,
        author_member_id -> Uuid,
        visibility -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(workshops -> members (host_member_id));
diesel::joinable!(registrations -> workshops (workshop_id));
diesel::joinable!(feedback -> registrations (registration_id));
diesel::joinable!(knowledge_items -> members (author_member_id));
diesel::allow_tables_to_appear_in_same_query!(
    members,
    participants,
    workshops,
    registrations,
    feedback,
    knowledge_items
);

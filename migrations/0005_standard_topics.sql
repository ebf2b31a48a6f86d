-- The standard feedback-topic vocabulary (version 1), shared by every agency; agencies add their own.
INSERT INTO "feedback_topics" ("agency_id", "code", "label", "description", "version") VALUES
  (NULL, 'community_safety', '{"en": "Community safety concern", "es": "Preocupación por la seguridad de la comunidad"}', '{"en": "Crime, traffic, disorder or other safety concerns in a neighbourhood."}', 1),
  (NULL, 'policy', '{"en": "New or existing policy", "es": "Política nueva o existente"}', '{"en": "How the agency polices: its policies, practices and priorities."}', 1),
  (NULL, 'high_profile_incident', '{"en": "High-profile incident", "es": "Incidente de alto perfil"}', '{"en": "A particular incident the community is talking about."}', 1),
  (NULL, 'agency_technology', '{"en": "Agency technology", "es": "Tecnología de la agencia"}', '{"en": "Body-worn cameras, licence-plate readers, drones and other technology the agency uses."}', 1),
  (NULL, 'everyday_interactions', '{"en": "Day-to-day interactions with the agency", "es": "Interacciones cotidianas con la agencia"}', '{"en": "Stops, calls for service, conduct and courtesy of members of the agency."}', 1),
  (NULL, 'wellness', '{"en": "Officer and community wellness", "es": "Bienestar de los agentes y de la comunidad"}', '{"en": "Mental health, trauma, support services and wellbeing of officers and residents."}', 1),
  (NULL, 'other', '{"en": "Other", "es": "Otro"}', '{}', 1);

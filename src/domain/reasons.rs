//! Every reason code the node answers with, in one catalogue: the code (the
//! `google.rpc.ErrorInfo` reason, domain `sjdj`, and the first word of the status message), the
//! gRPC status it comes with, and what it means for a client. `-`: never a gRPC status of its
//! own — a field reason inside `MATERIALS_INVALID`'s `google.rpc.BadRequest`, or said by a
//! command (`sjdj cert verify --proof`, `sjdj-node recover`, a refused start, a background
//! loop's log). `OK`: the `reason` of a certificate that does not verify, in a successful
//! `VerifyCertificate` answer. The README's table is this one; `tests/reasons.rs` holds the
//! source, the catalogue and the README to each other.

/// One reason code and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    /// The gRPC status name (two, `A/B`, where the call decides).
    pub status: &'static str,
    pub meaning: &'static str,
}

/// The catalogue, sorted by code.
pub const REASONS: &[Reason] = &[
    Reason {
        code: "ALREADY_EXISTS",
        status: "FAILED_PRECONDITION",
        meaning: "A create command names an application id that already exists.",
    },
    Reason {
        code: "ALREADY_HOSTED",
        status: "FAILED_PRECONDITION",
        meaning: "The national node is asked to host a province namespace it already hosts.",
    },
    Reason {
        code: "ALREADY_RETURNED",
        status: "FAILED_PRECONDITION",
        meaning: "A clerk returns an application for supplement a second time; it is returned only once, with the complete list.",
    },
    Reason {
        code: "APPLICATION_ID_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "A command on an existing application gives no application_id.",
    },
    Reason {
        code: "ATTACHMENT_EMPTY",
        status: "INVALID_ARGUMENT",
        meaning: "An uploaded attachment has no bytes.",
    },
    Reason {
        code: "ATTACHMENT_NOT_FOUND",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: an attachment's sha256 names no uploaded attachment; upload it first.",
    },
    Reason {
        code: "ATTACHMENT_QUOTA",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A new upload would take the subject's stored attachment bytes past quotas.attachment_bytes_per_subject.",
    },
    Reason {
        code: "ATTACHMENT_TOO_LARGE",
        status: "INVALID_ARGUMENT",
        meaning: "An uploaded attachment is larger than attachments.max_bytes.",
    },
    Reason {
        code: "AUTHORISATION_EXPIRED",
        status: "FAILED_PRECONDITION",
        meaning: "Submitting, supplementing or registering an application whose authorisation term has already ended.",
    },
    Reason {
        code: "BACKUP_TOO_SLOW",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A backup stream is read too slowly and the snapshot it holds grew past quotas.backup_held_bytes.",
    },
    Reason {
        code: "BAD_CLOCK_STEP",
        status: "INVALID_ARGUMENT",
        meaning: "AdvanceClock asks for a step outside 1 second to 10 years forward.",
    },
    Reason {
        code: "BAD_CORRECTION",
        status: "INVALID_ARGUMENT",
        meaning: "A record correction gives a fact that is empty or longer than its limit.",
    },
    Reason {
        code: "BAD_CURSOR",
        status: "INVALID_ARGUMENT",
        meaning: "WatchApplications is given a cursor that is not one the stream handed out.",
    },
    Reason {
        code: "BAD_DATE",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: a date field is not a YYYY-MM-DD date.",
    },
    Reason {
        code: "BAD_DIGEST",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: an evidence or attachment sha256 is not 64 lower-case hex digits.",
    },
    Reason {
        code: "BAD_EMAIL",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: subject.contact.email is not an e-mail address.",
    },
    Reason {
        code: "BAD_IMPORT",
        status: "-",
        meaning: "Logged by a province importing a handed-over record: the national certificate is malformed, not signed by the national key, or not handed over.",
    },
    Reason {
        code: "BAD_KEY",
        status: "INVALID_ARGUMENT",
        meaning: "A trust-list change (delegate, hand over, rotate) gives a node key that does not parse.",
    },
    Reason {
        code: "BAD_NODE_ID",
        status: "INVALID_ARGUMENT",
        meaning: "A trust-list delegation or handover names a node id that is not 1-64 characters of a-z A-Z 0-9 - _ .",
    },
    Reason {
        code: "BAD_PHONE",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: subject.contact.phone holds characters other than digits, '+', '-' and spaces.",
    },
    Reason {
        code: "BAD_RECEIPT",
        status: "-",
        meaning: "Logged by a province's push loop: the national node's receipt does not verify as a cosignature of the province's checkpoint.",
    },
    Reason {
        code: "BAD_REGION",
        status: "INVALID_ARGUMENT",
        meaning: "Hosting or a trust-list change names a region that is not a province namespace (XX0000, not the central one).",
    },
    Reason {
        code: "BAD_REQUEST_ID",
        status: "INVALID_ARGUMENT",
        meaning: "A write's request_id is missing or not 1-128 characters of A-Z a-z 0-9 - _ . :",
    },
    Reason {
        code: "BAD_ROLE",
        status: "INVALID_ARGUMENT",
        meaning: "CreateToken asks for the public or system role; tokens carry staff or registrant roles only.",
    },
    Reason {
        code: "BAD_TARGET_CODE",
        status: "INVALID_ARGUMENT",
        meaning: "A create command's target_code is not a valid unified registration code.",
    },
    Reason {
        code: "CAL_BAD_DATE",
        status: "-",
        meaning: "The node refuses to start: a calendar.files year file lists a value that is not a YYYY-MM-DD date.",
    },
    Reason {
        code: "CAL_DATE_OUTSIDE_YEAR",
        status: "-",
        meaning: "The node refuses to start: a calendar.files year file lists a date outside its own year.",
    },
    Reason {
        code: "CAL_DUPLICATE_DATE",
        status: "-",
        meaning: "The node refuses to start: a calendar.files year file lists a date twice.",
    },
    Reason {
        code: "CAL_DUPLICATE_YEAR",
        status: "-",
        meaning: "The node refuses to start: more than one calendar.files file gives the same year.",
    },
    Reason {
        code: "CAL_HOLIDAY_AND_WORKDAY",
        status: "-",
        meaning: "The node refuses to start: a calendar.files year file lists a date both as holiday and as workday.",
    },
    Reason {
        code: "CAL_TOML",
        status: "-",
        meaning: "The node refuses to start: a calendar.files file is not well-formed TOML of the expected shape.",
    },
    Reason {
        code: "CAL_WORKDAY_NOT_WEEKEND",
        status: "-",
        meaning: "The node refuses to start: a calendar.files year file lists a make-up workday that is not a Saturday or Sunday.",
    },
    Reason {
        code: "CAL_YEAR",
        status: "-",
        meaning: "The node refuses to start: a calendar.files file gives a year outside the supported range.",
    },
    Reason {
        code: "CATALOGUE_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A catalogue file for bulk registration cannot be read: not CSV of UTF-8 text, not an .xlsx workbook, a column no field takes, or no 数据名称 column (HTTP 400); nothing is created. A JSON-lines row that is not materials is that row's problem.",
    },
    Reason {
        code: "CATALOGUE_TOO_LARGE",
        status: "INVALID_ARGUMENT",
        meaning: "An .xlsx catalogue unpacks to more than 64 KiB per row web.max_import_rows allows (HTTP 400); nothing is inflated or created.",
    },
    Reason {
        code: "CERTIFICATE_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "GetCertificate names a code and version for which the node holds no certificate.",
    },
    Reason {
        code: "CERTIFICATE_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "VerifyCertificate is given neither the signed bytes nor the armored text.",
    },
    Reason {
        code: "CERT_ARMOR",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the armored text lacks proper BEGIN/END lines or is too long (also printed by sjdj cert).",
    },
    Reason {
        code: "CERT_ARMOR_BASE64",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the armored certificate's body is not valid base64.",
    },
    Reason {
        code: "CERT_BAD_CODE",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's code field is not a valid unified registration code.",
    },
    Reason {
        code: "CERT_BAD_CODE_VERSION",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's version field is 0; versions start at 1.",
    },
    Reason {
        code: "CERT_BAD_CREDIT_CODE",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's subject_credit_code is not a valid unified social credit code.",
    },
    Reason {
        code: "CERT_BAD_DATA_TYPE",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's data_type is not a known data type.",
    },
    Reason {
        code: "CERT_BAD_DATE",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: a date field of the certificate is not a date in years 0-9999.",
    },
    Reason {
        code: "CERT_BAD_MAGIC",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the bytes do not start with the SJDJCRT magic, so are not an sjdj certificate.",
    },
    Reason {
        code: "CERT_BAD_REGISTRATION_TYPE",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's registration_type is not a known registration type.",
    },
    Reason {
        code: "CERT_BAD_SIGNATURE",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's signature does not verify with its issuer's key.",
    },
    Reason {
        code: "CERT_FIELD_TOO_LONG",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: a string field of the certificate is longer than 8192 bytes.",
    },
    Reason {
        code: "CERT_INVALID",
        status: "-",
        meaning: "Printed by sjdj cert verify --proof (NOT PROVEN): the proof bundle's certificate is malformed or not signed by the given key.",
    },
    Reason {
        code: "CERT_INVALID_UTF8",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: a string field of the certificate is not valid UTF-8.",
    },
    Reason {
        code: "CERT_ISSUER_KEY_REVOKED",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the key that signed the certificate is revoked in the national trust list.",
    },
    Reason {
        code: "CERT_ISSUER_UNKNOWN",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: neither this node nor the national trust list holds the issuer's key.",
    },
    Reason {
        code: "CERT_NOT_IN_REGISTRY",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the signature holds but this node holds no such certificate.",
    },
    Reason {
        code: "CERT_TRAILING_BYTES",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: bytes follow the certificate's signature.",
    },
    Reason {
        code: "CERT_TRUNCATED",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate ends inside one of its fields.",
    },
    Reason {
        code: "CERT_UNKNOWN_FORMAT_VERSION",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate's format version is not the one this node knows.",
    },
    Reason {
        code: "CERT_WRONG_KEY",
        status: "OK",
        meaning: "VerifyCertificate answers valid=false: the certificate names an issuer key other than the key it is checked with.",
    },
    Reason {
        code: "CHECKPOINT_INVALID",
        status: "-",
        meaning: "Printed by sjdj cert verify --proof (NOT PROVEN): the proof bundle's checkpoint does not verify with the given key.",
    },
    Reason {
        code: "CLIENT_CERT_REQUIRED",
        status: "UNAUTHENTICATED",
        meaning: "Under mutual TLS, a node-to-node call comes over a connection without a client certificate.",
    },
    Reason {
        code: "CLIENT_CERT_WRONG_NODE",
        status: "PERMISSION_DENIED",
        meaning: "Under mutual TLS, a federation call's client certificate does not name the node the request names.",
    },
    Reason {
        code: "CLOCK_CONTROL_DISABLED",
        status: "FAILED_PRECONDITION",
        meaning: "AdvanceClock on a node whose config does not enable clock control (clock.control).",
    },
    Reason {
        code: "CODE_BAD_CHECK_CHARACTER",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code's check character is wrong (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CODE_BUSY",
        status: "FAILED_PRECONDITION",
        meaning: "Another application is already open on the code; one application at a time per code, and corrections wait for it.",
    },
    Reason {
        code: "CODE_CHARACTER",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code holds a character outside its alphabet (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CODE_CHECK_INPUT_LENGTH",
        status: "-",
        meaning: "Library guard: a check character was computed over other than 17 characters; not expected to reach clients.",
    },
    Reason {
        code: "CODE_DATA_TYPE",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code's first digit is not a known data type (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CODE_LENGTH",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code does not have the required length (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CODE_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "No record holds the unified code named by a lookup, a change/renewal/deregistration, or a correction or revocation.",
    },
    Reason {
        code: "CODE_NOT_HERE",
        status: "FAILED_PRECONDITION",
        meaning: "The named code is kept by the node of another namespace; apply there.",
    },
    Reason {
        code: "CODE_REGION",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code's region part is not a province-level registration namespace (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CODE_SERIAL",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code's serial is out of range (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CODE_YEAR",
        status: "INVALID_ARGUMENT",
        meaning: "A unified registration code's year part is not a supported year (also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CONTACT_TOO_LONG",
        status: "INVALID_ARGUMENT",
        meaning: "An objection's objector_contact is longer than 200 characters.",
    },
    Reason {
        code: "CONTROL_CHARACTER",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: a text field contains control characters other than newline.",
    },
    Reason {
        code: "CORE_DATA_OPEN",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: core-grade data is given access mode open.",
    },
    Reason {
        code: "CREDIT_CODE_BAD_CHECK_CHARACTER",
        status: "INVALID_ARGUMENT",
        meaning: "A unified social credit code's check character is wrong (CreateToken subject; also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CREDIT_CODE_CHARACTER",
        status: "INVALID_ARGUMENT",
        meaning: "A unified social credit code holds a character outside the GB 32100 alphabet (CreateToken; also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CREDIT_CODE_LENGTH",
        status: "INVALID_ARGUMENT",
        meaning: "A unified social credit code is not 18 characters (CreateToken subject; also a field reason in MATERIALS_INVALID).",
    },
    Reason {
        code: "CSRF_TOKEN_INVALID",
        status: "PERMISSION_DENIED",
        meaning: "A console form is sent without the CSRF token of its session, or the sign-in form without the one its page set (HTTP 403).",
    },
    Reason {
        code: "DATA_TYPE_CHANGED",
        status: "INVALID_ARGUMENT",
        meaning: "An application on an existing code gives a data type other than the code's; the data type cannot change.",
    },
    Reason {
        code: "DATA_TYPE_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A web search page is given a data_type other than 1, 2 or 3 (HTTP 400).",
    },
    Reason {
        code: "DRAFT_EDITS_EXHAUSTED",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A draft has been edited as often as quotas.draft_edits allows.",
    },
    Reason {
        code: "DRAFT_STORAGE_EXHAUSTED",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A draft's edits have stored more bytes than quotas.draft_bytes allows.",
    },
    Reason {
        code: "ENTRY_MISMATCH",
        status: "-",
        meaning: "Printed by sjdj cert verify --proof (NOT PROVEN): the bundle's log entry does not record this certificate or the sizes disagree.",
    },
    Reason {
        code: "ENVELOPE_BAD_SIGNATURE",
        status: "PERMISSION_DENIED",
        meaning: "A federation envelope's signature by a trusted key of the sending node does not verify.",
    },
    Reason {
        code: "ENVELOPE_TOO_LARGE",
        status: "PERMISSION_DENIED",
        meaning: "A federation envelope's payload is larger than the envelope limit.",
    },
    Reason {
        code: "ENVELOPE_TOO_MANY_SIGNATURES",
        status: "PERMISSION_DENIED",
        meaning: "A federation envelope carries more signatures than its signer has keys.",
    },
    Reason {
        code: "ENVELOPE_UNKNOWN_KEY",
        status: "PERMISSION_DENIED",
        meaning: "No signature on a federation envelope names a key trusted for the sending node.",
    },
    Reason {
        code: "ENVELOPE_UNSIGNED",
        status: "PERMISSION_DENIED",
        meaning: "A federation envelope has no signature.",
    },
    Reason {
        code: "ENVELOPE_WRONG_TYPE",
        status: "PERMISSION_DENIED",
        meaning: "A federation envelope's payload type is not the one the call expects.",
    },
    Reason {
        code: "FIELD_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "A required request field (an enum left UNSPECIFIED, the materials message, the queue step) is missing.",
    },
    Reason {
        code: "FILE_NAME_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "UploadAttachment gives an empty file_name or one longer than 200 characters.",
    },
    Reason {
        code: "FORM_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A form sent to a web page does not parse (HTTP 400).",
    },
    Reason {
        code: "FORM_TOO_LARGE",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A form sent to a web page is larger than web.max_form_bytes (HTTP 413).",
    },
    Reason {
        code: "HOLDER_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "CreateToken gives an empty holder or one longer than 200 characters.",
    },
    Reason {
        code: "IMPORT_BUSY",
        status: "FAILED_PRECONDITION",
        meaning: "A portal import is confirmed while the same token's previous import is still making its drafts (HTTP 409); wait for its progress page to end.",
    },
    Reason {
        code: "IMPORT_TOO_MANY_ROWS",
        status: "INVALID_ARGUMENT",
        meaning: "A catalogue file has more rows than web.max_import_rows (HTTP 400); nothing is created.",
    },
    Reason {
        code: "INTERNAL",
        status: "INTERNAL",
        meaning: "The node hit an internal error it did not expect; the message says what.",
    },
    Reason {
        code: "KEY_ALREADY_REVOKED",
        status: "INVALID_ARGUMENT",
        meaning: "A key revocation names a node that has no active key left to revoke.",
    },
    Reason {
        code: "KEY_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "GetCertificate gives neither a code nor a query code.",
    },
    Reason {
        code: "KEY_REUSED",
        status: "INVALID_ARGUMENT",
        meaning: "A trust-list change gives a key already in the trust list (or the national key); keys are never reused.",
    },
    Reason {
        code: "LOG_RANGE",
        status: "INVALID_ARGUMENT/NOT_FOUND",
        meaning: "A log read asks for entries or proofs outside the published log; NOT_FOUND when openings are asked for an entry beyond it.",
    },
    Reason {
        code: "MATERIALS_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "The materials have problems; a google.rpc.BadRequest lists every field with its own reason.",
    },
    Reason {
        code: "MATERIALS_TOO_LARGE",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A create, edit or supplement request with its materials is larger than quotas.materials_bytes.",
    },
    Reason {
        code: "MESSAGE_TOO_LARGE",
        status: "RESOURCE_EXHAUSTED",
        meaning: "The request message exceeds the service's decoding limit (attachments.max_bytes plus 64 KiB for RegistrationService, 4 MiB for most others).",
    },
    Reason {
        code: "MIRROR_RANGE",
        status: "INVALID_ARGUMENT",
        meaning: "A mirror page read starts past the entries this node holds of that node's log.",
    },
    Reason {
        code: "MIRROR_UNKNOWN",
        status: "NOT_FOUND",
        meaning: "A mirror page read names a node whose log this node holds no copy of.",
    },
    Reason {
        code: "NODE_EXISTS",
        status: "INVALID_ARGUMENT",
        meaning: "A delegation names a node already in the trust list; rotate its key instead.",
    },
    Reason {
        code: "NODE_NOT_FOUND",
        status: "INVALID_ARGUMENT",
        meaning: "A key rotation or revocation names a node that is not in the trust list.",
    },
    Reason {
        code: "NODE_RATE_LIMITED",
        status: "RESOURCE_EXHAUSTED",
        meaning: "Too many federation calls from this address (federation.peer_rate_per_second, peer_burst) or by this node (federation.node_rate_per_second, node_burst).",
    },
    Reason {
        code: "NODE_REFUSED_TOO_OFTEN",
        status: "RESOURCE_EXHAUSTED",
        meaning: "This address sent too many refused envelopes; its federation calls are refused until the share refills (federation.refused_per_second, refused_burst).",
    },
    Reason {
        code: "NOTHING_TO_CORRECT",
        status: "INVALID_ARGUMENT",
        meaning: "A record correction names no fact to correct.",
    },
    Reason {
        code: "NOTICE_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "A publicity notice page names an application that is not in publicity (HTTP 404).",
    },
    Reason {
        code: "NOT_CODE_OWNER",
        status: "PERMISSION_DENIED",
        meaning: "An application on an existing code comes from a subject other than the one the code is registered to.",
    },
    Reason {
        code: "NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "No application with that id exists that this caller may see.",
    },
    Reason {
        code: "NOT_INCLUDED",
        status: "-",
        meaning: "Printed by sjdj cert verify --proof (NOT PROVEN): the bundle's audit path does not lead to the checkpoint's root.",
    },
    Reason {
        code: "NOT_IN_PUBLICITY",
        status: "FAILED_PRECONDITION",
        meaning: "An objection is filed on an application that is not in its publicity period.",
    },
    Reason {
        code: "NOT_NATIONAL",
        status: "FAILED_PRECONDITION",
        meaning: "A trust-list change, hosting, a push or the list of the book's provinces is sent to a node that is not the national node.",
    },
    Reason {
        code: "NOT_OWNER",
        status: "PERMISSION_DENIED",
        meaning: "A registrant acts on an application of a subject other than the one its token is bound to.",
    },
    Reason {
        code: "NOT_PROVINCE",
        status: "-",
        meaning: "Logged by the follow driver: the national node was asked to follow a national log; it follows no one.",
    },
    Reason {
        code: "NOT_TRUST",
        status: "INVALID_ARGUMENT",
        meaning: "A trust-list check was given an entry that is not a trust-list change (an internal guard).",
    },
    Reason {
        code: "NO_CHECKPOINT",
        status: "FAILED_PRECONDITION",
        meaning: "GetCheckpoint or FollowLog is asked of a log that has no signed checkpoint yet.",
    },
    Reason {
        code: "OBJECTIONS_PER_APPLICATION",
        status: "RESOURCE_EXHAUSTED",
        meaning: "The application already has as many objections as quotas.objections_per_application allows.",
    },
    Reason {
        code: "OBJECTIONS_PER_CALLER",
        status: "RESOURCE_EXHAUSTED",
        meaning: "This caller has filed as many objections on this application today as quotas.objections_per_caller allows.",
    },
    Reason {
        code: "OBJECTION_CLOSED",
        status: "FAILED_PRECONDITION",
        meaning: "Resolving an objection that is already resolved.",
    },
    Reason {
        code: "OBJECTION_EXISTS",
        status: "FAILED_PRECONDITION",
        meaning: "An objection is filed under an id already filed on the application.",
    },
    Reason {
        code: "OBJECTION_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "Resolving an objection id the application does not have.",
    },
    Reason {
        code: "OBJECTION_OPEN",
        status: "FAILED_PRECONDITION",
        meaning: "A code cannot be assigned after publicity while an objection is still open.",
    },
    Reason {
        code: "OBJECTOR_NAME_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "An objection gives no objector name, or one longer than 200 characters.",
    },
    Reason {
        code: "OPEN_DATA_NOT_OPEN",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: an open data resource has an access mode other than open.",
    },
    Reason {
        code: "OPERATOR_NEEDS_AGREEMENT",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: an authorised operator cites statutory duty instead of its authorisation agreement.",
    },
    Reason {
        code: "PAGE_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "No web page at that path (HTTP 404); a gRPC client at an unknown method gets UNIMPLEMENTED instead.",
    },
    Reason {
        code: "PAGE_TOKEN_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A list call's page_token is not one that list gave (ListAlarms takes the number of the last alarm of the previous page).",
    },
    Reason {
        code: "PROOF_FORMAT",
        status: "-",
        meaning: "Printed by sjdj cert verify --proof (NOT PROVEN): the proof file is not of the expected format or its entry is not base64.",
    },
    Reason {
        code: "PUBLICITY_NOT_ENDED",
        status: "FAILED_PRECONDITION",
        meaning: "A code cannot be assigned before the application's publicity period has ended.",
    },
    Reason {
        code: "PUBLICITY_TEXT_NOT_ACKNOWLEDGED",
        status: "INVALID_ARGUMENT",
        meaning: "publicity_text_sha256 on submit or supplement does not match the application's publicity text; fetch and acknowledge it again.",
    },
    Reason {
        code: "QUERY_CODE_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "GetCertificate names a query code for which the node holds no certificate.",
    },
    Reason {
        code: "QUERY_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A web page's query string does not parse (HTTP 400).",
    },
    Reason {
        code: "QUERY_TOO_LONG",
        status: "INVALID_ARGUMENT",
        meaning: "SearchRecords is given a query longer than 200 characters.",
    },
    Reason {
        code: "RATE_LIMITED",
        status: "RESOURCE_EXHAUSTED",
        meaning: "Too many public calls from this address without a token (public_api.rate_per_second, burst).",
    },
    Reason {
        code: "REASON_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "A decision, institution action on a record, or key revocation that must state a reason gives none (or, for records, one too long).",
    },
    Reason {
        code: "REASON_TOO_LONG",
        status: "INVALID_ARGUMENT",
        meaning: "A reason or note is longer than limits.max_reason_chars.",
    },
    Reason {
        code: "RECORD_ENDED",
        status: "FAILED_PRECONDITION",
        meaning: "The record has been deregistered or revoked, so it takes no application, correction or revocation.",
    },
    Reason {
        code: "RECORD_EXPIRED",
        status: "FAILED_PRECONDITION",
        meaning: "The record's validity has expired; a new initial registration is needed.",
    },
    Reason {
        code: "RECOVER_BAD_ENTRY",
        status: "-",
        meaning: "Printed by sjdj-node recover: an entry of the other tier's copy cannot be decoded or has the wrong index.",
    },
    Reason {
        code: "RECOVER_ENTRIES_LOST",
        status: "-",
        meaning: "Printed by sjdj-node recover: the other tier holds fewer entries than this node published; those are lost; restore a newer backup.",
    },
    Reason {
        code: "RECOVER_FOREIGN_CHECKPOINT",
        status: "-",
        meaning: "Printed by sjdj-node recover: the other tier's checkpoint of this log does not verify with this node's key and origin.",
    },
    Reason {
        code: "RECOVER_NATIONAL_REGISTRATION",
        status: "-",
        meaning: "Printed by sjdj-node recover: a lost national entry records a national registration a province copy cannot restore; restore a later backup.",
    },
    Reason {
        code: "RECOVER_NOTHING_LOST",
        status: "-",
        meaning: "Printed by sjdj-node recover: the store already holds every entry of the published checkpoint; nothing to recover.",
    },
    Reason {
        code: "REGION_DELEGATED",
        status: "FAILED_PRECONDITION/INVALID_ARGUMENT",
        meaning: "The region is already delegated to a province node: FAILED_PRECONDITION for hosting it, INVALID_ARGUMENT for a second delegation.",
    },
    Reason {
        code: "REGION_FORMAT",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: subject.region is not exactly 6 ASCII digits.",
    },
    Reason {
        code: "REGION_HAS_OPEN_APPLICATIONS",
        status: "FAILED_PRECONDITION",
        meaning: "A delegation or handover names a namespace that applications open on the national node would be minted in; they must end first.",
    },
    Reason {
        code: "REGION_HOSTED",
        status: "INVALID_ARGUMENT",
        meaning: "A delegation names a region the national node hosts; hand it over instead.",
    },
    Reason {
        code: "REGION_NOT_HOSTED",
        status: "INVALID_ARGUMENT",
        meaning: "A handover names a region the national node does not host; delegate it instead.",
    },
    Reason {
        code: "REGION_PROVINCE",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: subject.region does not start with a province-level prefix.",
    },
    Reason {
        code: "RENEWAL_TOO_EARLY",
        status: "FAILED_PRECONDITION",
        meaning: "A renewal is applied for before its window opens, limits.renewal_window_days before the code expires.",
    },
    Reason {
        code: "REQUEST_ID_REUSED",
        status: "INVALID_ARGUMENT",
        meaning: "The request_id was already used by this caller for a different request.",
    },
    Reason {
        code: "REQUEST_TIMEOUT",
        status: "DEADLINE_EXCEEDED",
        meaning: "The call did not complete within server.request_timeout_ms; a write may still apply, so retry with the same request_id.",
    },
    Reason {
        code: "REQUIRED",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: a field needed for submission is empty, or a list has too few items.",
    },
    Reason {
        code: "SAME_HOLDER_ACCEPTED",
        status: "PERMISSION_DENIED",
        meaning: "The reviewer accepted this application too and may not review it (unless limits.allow_same_holder_accept_and_review).",
    },
    Reason {
        code: "SEARCH_INDEX_BUILDING",
        status: "UNAVAILABLE",
        meaning: "The search index is being built from the store beside the serving node (it was missing, damaged or of another layout); searches are answered once it is built, so retry shortly.",
    },
    Reason {
        code: "SESSIONS_FULL",
        status: "RESOURCE_EXHAUSTED",
        meaning: "A sign-in finds as many console sessions open as web.max_sessions allows (HTTP 429).",
    },
    Reason {
        code: "SESSION_EXPIRED",
        status: "UNAUTHENTICATED",
        meaning: "A console page is asked for with a session that has ended (web.session_minutes) or that the node does not hold, for instance after a restart (HTTP 401).",
    },
    Reason {
        code: "SHUTTING_DOWN",
        status: "UNAVAILABLE",
        meaning: "The node is shutting down and takes no more work; retry elsewhere or later.",
    },
    Reason {
        code: "SIGN_IN_REQUIRED",
        status: "UNAUTHENTICATED",
        meaning: "A console page is asked for without a session cookie (HTTP 401); sign in at /staff/login.",
    },
    Reason {
        code: "STATUS_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A web search page is given a status other than VALID, EXPIRED, DEREGISTERED or REVOKED (HTTP 400).",
    },
    Reason {
        code: "STORE",
        status: "INVALID_ARGUMENT",
        meaning: "The store failed while the node checked a trust-list change; the message gives the store error.",
    },
    Reason {
        code: "STORE_CORRUPT",
        status: "DATA_LOSS",
        meaning: "The node found a corrupted entry in its store while answering.",
    },
    Reason {
        code: "STORE_DIVERGED",
        status: "DATA_LOSS",
        meaning: "The store no longer holds the history this node published.",
    },
    Reason {
        code: "STORE_ERROR",
        status: "INTERNAL",
        meaning: "The store failed while answering the call; the message gives the store error.",
    },
    Reason {
        code: "STORE_FULL",
        status: "UNAVAILABLE",
        meaning: "The store's disk has less free space than node.min_free_bytes; nothing was written, retry once space is freed.",
    },
    Reason {
        code: "SUBJECT_CHANGED",
        status: "INVALID_ARGUMENT",
        meaning: "An edit or supplement changes the credit code of the application's subject, which cannot change.",
    },
    Reason {
        code: "SUBJECT_NOT_ALLOWED",
        status: "INVALID_ARGUMENT",
        meaning: "CreateToken binds a subject to a token whose role is not registrant.",
    },
    Reason {
        code: "SUBJECT_REGION_DELEGATED",
        status: "FAILED_PRECONDITION",
        meaning: "The national node is asked for an initial registration of a subject whose province has its own node; that node registers it.",
    },
    Reason {
        code: "SUBJECT_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "CreateToken for a registrant gives no subject credit code to bind it to.",
    },
    Reason {
        code: "SUPPLEMENT_ITEMS_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "Returning an application for supplement lists no item to supplement.",
    },
    Reason {
        code: "SUPPLEMENT_ITEMS_TOO_LONG",
        status: "INVALID_ARGUMENT",
        meaning: "Returning for supplement lists more than 100 items or an item longer than 1000 characters.",
    },
    Reason {
        code: "SYNC_AHEAD",
        status: "FAILED_PRECONDITION",
        meaning: "A follower claims to hold more entries of the national log than the national log has.",
    },
    Reason {
        code: "SYNC_BAD_CERTIFICATE",
        status: "INVALID_ARGUMENT",
        meaning: "A pushed entry's certificate is missing, malformed or does not match the entry.",
    },
    Reason {
        code: "SYNC_BAD_CHECKPOINT",
        status: "PERMISSION_DENIED",
        meaning: "A pushed checkpoint is malformed or not signed by the province's key under its origin.",
    },
    Reason {
        code: "SYNC_BAD_ENTRY",
        status: "INVALID_ARGUMENT",
        meaning: "A pushed (or followed national) log entry cannot be decoded or does not fit the rules.",
    },
    Reason {
        code: "SYNC_BAD_PAYLOAD",
        status: "INVALID_ARGUMENT",
        meaning: "A federation envelope's payload does not decode, or names a node other than the request.",
    },
    Reason {
        code: "SYNC_BAD_PROOF",
        status: "INVALID_ARGUMENT",
        meaning: "A push carries a consistency proof whose hashes are malformed.",
    },
    Reason {
        code: "SYNC_CODE_TAKEN",
        status: "INVALID_ARGUMENT",
        meaning: "A pushed entry registers a code already in the national book.",
    },
    Reason {
        code: "SYNC_FOREIGN_NAMESPACE",
        status: "INVALID_ARGUMENT",
        meaning: "A pushed entry mints a code outside the province's delegated namespace.",
    },
    Reason {
        code: "SYNC_FORK",
        status: "INVALID_ARGUMENT",
        meaning: "A pushed checkpoint is inconsistent with the one already accepted; the evidence is kept, a FORK alarm raised, the feed frozen.",
    },
    Reason {
        code: "SYNC_FROZEN",
        status: "FAILED_PRECONDITION",
        meaning: "The node's feed is frozen by a fork alarm; nothing more is applied until it is resolved.",
    },
    Reason {
        code: "SYNC_KEY_REVOKED",
        status: "PERMISSION_DENIED",
        meaning: "The sending node's key is revoked in the trust list; a new key must be delegated.",
    },
    Reason {
        code: "SYNC_ROOT_MISMATCH",
        status: "INVALID_ARGUMENT",
        meaning: "The pushed entries do not rebuild the tree the checkpoint signs.",
    },
    Reason {
        code: "SYNC_SERIAL_REUSED",
        status: "INVALID_ARGUMENT",
        meaning: "A pushed entry mints a serial not above the last one already minted for that year.",
    },
    Reason {
        code: "SYNC_STALE_CHECKPOINT",
        status: "FAILED_PRECONDITION",
        meaning: "A pushed checkpoint is smaller than one the national node already accepted.",
    },
    Reason {
        code: "SYNC_UNKNOWN_NODE",
        status: "PERMISSION_DENIED",
        meaning: "A federation call names a node that is not in the national trust list.",
    },
    Reason {
        code: "SYNC_WRONG_COUNT",
        status: "INVALID_ARGUMENT",
        meaning: "A push's batch of entries does not fit the size of its checkpoint.",
    },
    Reason {
        code: "SYNC_WRONG_REGION",
        status: "FAILED_PRECONDITION",
        meaning: "The node signs under another namespace's origin than the one delegated to it; set node.region to it and restart.",
    },
    Reason {
        code: "SYNC_WRONG_START",
        status: "FAILED_PRECONDITION",
        meaning: "A push starts at an entry other than the next one the national node needs.",
    },
    Reason {
        code: "TARGET_CODE_MISMATCH",
        status: "FAILED_PRECONDITION",
        meaning: "Registration assigns a code other than the one the application acts on.",
    },
    Reason {
        code: "TARGET_CODE_NOT_ALLOWED",
        status: "INVALID_ARGUMENT",
        meaning: "An initial registration names a target code; it is given a new one.",
    },
    Reason {
        code: "TARGET_CODE_REQUIRED",
        status: "INVALID_ARGUMENT",
        meaning: "A change, correction, renewal or deregistration application names no unified code to act on.",
    },
    Reason {
        code: "TERM_ENDS_BEFORE_START",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: the authorisation term ends before it starts.",
    },
    Reason {
        code: "TOKEN_EXPIRED",
        status: "UNAUTHENTICATED",
        meaning: "The bearer token has passed its expiry; ask the admin for a new one.",
    },
    Reason {
        code: "TOKEN_NOT_FOUND",
        status: "NOT_FOUND",
        meaning: "RevokeToken names a token id the node does not know.",
    },
    Reason {
        code: "TOKEN_RATE_LIMITED",
        status: "RESOURCE_EXHAUSTED",
        meaning: "Too many public calls with this token (quotas.token_rate_per_second, token_burst).",
    },
    Reason {
        code: "TOKEN_TTL_TOO_LONG",
        status: "INVALID_ARGUMENT",
        meaning: "CreateToken asks for a lifetime longer than tokens.max_ttl_days.",
    },
    Reason {
        code: "TOO_LONG",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: a text field has more characters than its limit.",
    },
    Reason {
        code: "TOO_MANY",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: a list field has more items than allowed.",
    },
    Reason {
        code: "TOO_MANY_CONNECTIONS",
        status: "RESOURCE_EXHAUSTED",
        meaning: "The node or this address already has its limit of open connections (server.max_connections, server.max_connections_per_address).",
    },
    Reason {
        code: "TOO_MANY_STREAMS",
        status: "RESOURCE_EXHAUSTED",
        meaning: "The token already has quotas.streams_per_token WatchApplications streams open.",
    },
    Reason {
        code: "UNAUTHENTICATED",
        status: "UNAUTHENTICATED",
        meaning: "The call needs a bearer token, or the token given is unknown or revoked.",
    },
    Reason {
        code: "UNDERTAKING_REQUIRED",
        status: "-",
        meaning: "Field reason in MATERIALS_INVALID: the registration undertaking attachment is missing on submission.",
    },
    Reason {
        code: "UNKNOWN_ENUM_VALUE",
        status: "INVALID_ARGUMENT",
        meaning: "A request enum field holds a number that is not a known value.",
    },
    Reason {
        code: "UPLOADS_IN_FLIGHT",
        status: "RESOURCE_EXHAUSTED",
        meaning: "The token already has quotas.uploads_in_flight attachment uploads in progress.",
    },
    Reason {
        code: "WRITE_OUTCOME_UNKNOWN",
        status: "UNAVAILABLE",
        meaning: "The store could not make the write durable; it may or may not be applied, so retry with the same request_id.",
    },
    Reason {
        code: "WRONG_ROLE",
        status: "PERMISSION_DENIED",
        meaning: "The caller's token role may not make this call or take this step.",
    },
    Reason {
        code: "WRONG_STATE",
        status: "FAILED_PRECONDITION",
        meaning: "The step is out of order for the application's current state; the message names the state.",
    },
    Reason {
        code: "YEAR_INVALID",
        status: "INVALID_ARGUMENT",
        meaning: "A web search page is given a year that is not four digits (HTTP 400).",
    },
];

/// What `code` means, if it is one of the node's reason codes.
pub fn reason(code: &str) -> Option<&'static Reason> {
    REASONS
        .binary_search_by(|r| r.code.cmp(code))
        .ok()
        .map(|i| &REASONS[i])
}

"""Enumerations of the interchange format (shared/spec/interchange.md).

Codes are the format's codes; labels are English msgids translated to the
portal's Chinese wording in locale/zh_Hans. Lists that the reference marks
as inference ([I]) may gain codes: keep them here, in one place.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntityType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    SOCIAL_ORGANIZATION = "social_organization", _("Social organisation")
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    OTHER = "other", _("Other organisation")


class CertificateType(models.TextChoices):
    BUSINESS_LICENSE = "business_license", _("Business licence")
    INSTITUTION_CERTIFICATE = (
        "institution_certificate",
        _("Public institution legal-person certificate"),
    )
    SOCIAL_ORG_CERTIFICATE = (
        "social_org_certificate",
        _("Social organisation registration certificate"),
    )
    PRIVATE_NON_ENTERPRISE_CERTIFICATE = (
        "private_non_enterprise_certificate",
        _("Private non-enterprise unit registration certificate"),
    )
    FOUNDATION_CERTIFICATE = (
        "foundation_certificate",
        _("Foundation legal-person registration certificate"),
    )
    USCC_CERTIFICATE = "uscc_certificate", _("Unified social credit code certificate")
    OTHER = "other", _("Other certificate")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    HK_MACAO_PERMIT = (
        "hk_macao_permit",
        _("Mainland travel permit for Hong Kong and Macao residents"),
    )
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    HMT_RESIDENCE_PERMIT = (
        "hmt_residence_permit",
        _("Residence permit for Hong Kong, Macao and Taiwan residents"),
    )
    FOREIGN_PERMANENT_RESIDENT = (
        "foreign_permanent_resident",
        _("Foreign permanent resident ID card"),
    )
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other ID")


class ManagementSystemKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Algorithm security self-assessment system")
    MONITORING = "monitoring", _("Algorithm security monitoring system")
    INCIDENT_RESPONSE = "incident_response", _("Algorithm security incident response system")
    VIOLATION_HANDLING = "violation_handling", _("Handling of algorithm violations")
    MECHANISM_REVIEW = "mechanism_review", _("Review of algorithm mechanisms")
    ETHICS_REVIEW = "ethics_review", _("Science and technology ethics review")
    USER_REGISTRATION = "user_registration", _("User registration")
    CONTENT_REVIEW = "content_review", _("Review of published information")
    DATA_PROTECTION = "data_protection", _("Data security and personal information protection")
    ANTI_FRAUD = "anti_fraud", _("Anti telecom and online fraud")
    OTHER = "other", _("Other system")


class ServiceForm(models.TextChoices):
    APP = "app", _("App")
    WEBSITE = "website", _("Website")
    MINI_PROGRAM = "mini_program", _("Mini-program")
    PUBLIC_ACCOUNT = "public_account", _("Public account")
    OTHER = "other", _("Other form")


class OpinionFeature(models.TextChoices):
    """Screening questions of the 2018 security-assessment provisions (SA-2018 Art 2):
    any of these gives a service public-opinion attributes or social-mobilisation capability."""

    FORUM = "forum", _("Forums, blogs or micro-blogs")
    CHAT = "chat", _("Chat rooms or messaging groups")
    PUBLIC_ACCOUNTS = "public_accounts", _("Public accounts")
    SHORT_VIDEO = "short_video", _("Short videos")
    LIVE_STREAMING = "live_streaming", _("Live streaming")
    INFO_SHARING = "info_sharing", _("Information sharing")
    MINI_PROGRAMS = "mini_programs", _("Mini-programs")
    COMMENTS = "comments", _("Comments on content")
    OTHER_CHANNEL = (
        "other_channel",
        _(
            "Another channel for public opinion, or a way to mobilise the public for specific activities"
        ),
    )


class LaunchStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    NOT_ONLINE = "not_online", _("Not yet online")


class AlgorithmType(models.TextChoices):
    GENERATION_SYNTHESIS = "generation_synthesis", _("Generation and synthesis")
    PERSONALIZED_PUSH = "personalized_push", _("Personalised push")
    RANKING_SELECTION = "ranking_selection", _("Ranking and selection")
    # Legacy: the published lists replaced it by the two types after it from 2024-04.
    SEARCH_FILTERING = "search_filtering", _("Search and filtering (legacy)")
    INFORMATION_RETRIEVAL = "information_retrieval", _("Information retrieval")
    CONTENT_FILTERING = "content_filtering", _("Content filtering")
    DISPATCH_DECISION = "dispatch_decision", _("Dispatch and decision-making")


class Role(models.TextChoices):
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    TECHNICAL_SUPPORTER = "technical_supporter", _("Technical supporter")


class Modality(models.TextChoices):
    TEXT = "text", _("Text")
    IMAGE = "image", _("Image")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    THREE_D = "3d", _("3D")
    VIRTUAL_SCENE = "virtual_scene", _("Virtual scene")
    OTHER = "other", _("Other modality")


class TechnicalServiceMode(models.TextChoices):
    API = "api", _("API")
    SDK = "sdk", _("SDK")
    PRIVATE_DEPLOYMENT = "private_deployment", _("Private deployment")
    OPEN_PLATFORM = "open_platform", _("Open platform / console")
    OPEN_SOURCE_RELEASE = "open_source_release", _("Open-source release")
    OTHER = "other", _("Other mode")


class ModelSource(models.TextChoices):
    """Where a generative-AI service's model comes from: decides 备案 vs 登记
    (shared/domain/gai-filing-reference.md §3, §4.5; filings.generative.route)."""

    OWN = "own", _("Own model (trained by the provider)")
    MODIFIED = "modified", _("A filed model, fine-tuned or otherwise changed")
    API_UNCHANGED = "api_unchanged", _("A filed model called through its API, unchanged")


class FilingKind(models.TextChoices):
    INITIAL = "initial", _("Initial filing")
    CHANGE = "change", _("Change filing")
    CANCELLATION = "cancellation", _("Cancellation filing")


class FilingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for correction")
    FILED = "filed", _("Filed")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked")


class AnswerStatus(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    PARTIAL = "partial", _("Partially compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class RiskKind(models.TextChoices):
    ABUSE = "abuse", _("Algorithm abuse")
    MALICIOUS_USE = "malicious_use", _("Malicious use")
    VULNERABILITY = "vulnerability", _("Algorithm vulnerability")
    ILLEGAL_GENERATION = "illegal_generation", _("Generation of illegal or harmful information")
    ILLEGAL_STORAGE = "illegal_storage", _("Storage of illegal or harmful information")
    ILLEGAL_SPREAD = "illegal_spread", _("Spread of illegal or harmful information")
    DATA_LEAK = "data_leak", _("Leak of data and user information")
    OTHER_VIOLATION = "other_violation", _("Other violations")


class AttachmentSlot(models.TextChoices):
    """Typed upload slots; see cac-filing-reference.md §2.2 and portal-details.md §2."""

    LICENCE_SCAN = "licence_scan", _("Business licence scan")
    LEGAL_REP_ID_COPY = "legal_rep_id_copy", _("Legal representative ID copy")
    OFFICER_ID_COPY = "officer_id_copy", _("Security officer ID copy")
    OFFICER_EMPLOYMENT_PROOF = "officer_employment_proof", _("Security officer employment proof")
    COMMITMENT_LETTER = "commitment_letter", _("Filing commitment letter")
    RESPONSIBILITY_DOCUMENT = (
        "responsibility_document",
        _("Implementation of algorithm security responsibility"),
    )
    MANAGEMENT_SYSTEM_DOCUMENT = "management_system_document", _("Management system document")
    SCREENSHOT = "screenshot", _("Screenshot")
    THIRD_PARTY_PROOF = "third_party_proof", _("Third-party model proof")
    FLOWCHART = "flowchart", _("Algorithm flowchart")
    ASSESSMENT_REPORT_SIGNED = (
        "assessment_report_signed",
        _("Self-assessment report signed by the security officer"),
    )
    OTHER = "other", _("Other attachment")


# Slots that hold documents of the provider entity rather than of one algorithm.
PROVIDER_SLOTS = frozenset(
    {
        AttachmentSlot.LICENCE_SCAN,
        AttachmentSlot.LEGAL_REP_ID_COPY,
        AttachmentSlot.OFFICER_ID_COPY,
        AttachmentSlot.OFFICER_EMPLOYMENT_PROOF,
        AttachmentSlot.COMMITMENT_LETTER,
        AttachmentSlot.RESPONSIBILITY_DOCUMENT,
        AttachmentSlot.MANAGEMENT_SYSTEM_DOCUMENT,
    }
)

# Slots of the signed and sealed scans and other formalities, made after the
# content is approved: they block only the submission, and are not part of
# the approved (hashed) content (filings.snapshot), so uploading one after
# approval does not withdraw it. Fixed in code, not in the materials data,
# because the digest of every version depends on it.
SUBMISSION_SLOTS = frozenset(
    {
        AttachmentSlot.LICENCE_SCAN,
        AttachmentSlot.LEGAL_REP_ID_COPY,
        AttachmentSlot.OFFICER_ID_COPY,
        AttachmentSlot.OFFICER_EMPLOYMENT_PROOF,
        AttachmentSlot.COMMITMENT_LETTER,
        AttachmentSlot.RESPONSIBILITY_DOCUMENT,
        AttachmentSlot.ASSESSMENT_REPORT_SIGNED,
    }
)

"""Operational store models: persons, their source records, status history, cases and runs.

``services.operational_store_load`` loads persons, source records, status periods and review
items in bulk from the staging store. It also opens cases, which officers change afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Office(models.Model):
    """A field office (area of responsibility) that owns cases."""

    code = models.CharField(max_length=32, primary_key=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class Person(models.Model):
    """One person as resolved by linkage, with the derived status and priority."""

    person_id = models.CharField(max_length=64, primary_key=True)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    name_source = models.CharField(max_length=32, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    search_name = models.CharField(max_length=500, blank=True)
    dob = models.DateField(null=True, blank=True, db_index=True)
    sex = models.CharField(max_length=1, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    a_numbers = models.JSONField(default=list, blank=True)
    passports = models.JSONField(default=list, blank=True)

    status = models.CharField(max_length=64, blank=True)
    status_as_of = models.DateField(null=True, blank=True)
    status_since = models.DateField(null=True, blank=True)
    status_rule_id = models.CharField(max_length=100, blank=True)
    status_citation = models.CharField(max_length=300, blank=True)
    status_explanation = models.TextField(blank=True)
    status_evidence = models.JSONField(default=list, blank=True)
    status_flags = models.JSONField(default=list, blank=True)
    overstay_days = models.IntegerField(null=True, blank=True)
    # Unlawful presence under INA 212(a)(9)(B) and the re-entry bar a departure triggered.
    unlawful_presence_days = models.IntegerField(null=True, blank=True)
    reentry_bar = models.CharField(max_length=16, blank=True)
    reentry_bar_until = models.DateField(null=True, blank=True)

    tier = models.IntegerField(null=True, blank=True, db_index=True)
    score = models.IntegerField(null=True, blank=True)
    protected = models.BooleanField(default=False)
    protection = models.CharField(max_length=100, blank=True)
    priority_reasons = models.JSONField(default=list, blank=True)
    policy_version = models.CharField(max_length=64, blank=True)

    identity_in_review = models.BooleanField(default=False)
    min_link_probability = models.FloatField(null=True, blank=True)
    # TODO: a reviewer must decide what happens to a superseded person's case. Until then the
    # person (whom a re-link merged into another id) is kept and marked.
    superseded = models.BooleanField(default=False)
    # Set when a reviewer merged this person into another: the surviving person id. The id
    # stays as an alias whose person page redirects there, until the merge is reversed.
    # db_default, because the operational load writes persons with raw SQL.
    merged_into = models.CharField(max_length=64, blank=True, default="", db_default="")
    # The run that last changed this row, and a hash of what it wrote, so a re-load with
    # the same data writes nothing.
    changed_run_id = models.CharField(max_length=64, blank=True)
    load_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["family_name", "given_name", "person_id"]
        # Plain indexes via Meta: on PostgreSQL, db_index=True on a CharField also builds a
        # second varchar_pattern_ops index for LIKE, which nothing here uses.
        indexes = [models.Index(fields=["status"], name="person_status_idx")]

    def __str__(self) -> str:
        return self.person_id

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


class PersonNameToken(models.Model):
    """One folded name token of a person, indexed for the search prefilter."""

    # Indexed by the (person, token) unique constraint, which starts with person.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="name_tokens", db_index=False
    )
    token = models.CharField(max_length=100)
    prefix = models.CharField(max_length=3)
    phonetic = models.CharField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["prefix"], name="name_token_prefix_idx"),
            models.Index(fields=["phonetic"], name="name_token_phonetic_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "token"], name="name_token_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.token}"


class SourceRecord(models.Model):
    """One row from a source extract, linked to the person linkage assigned it to."""

    record_uid = models.CharField(max_length=128, primary_key=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        db_index=False,
    )
    source = models.CharField(max_length=32)
    record_id = models.CharField(max_length=100)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    dob = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    passport_no = models.CharField(max_length=64, blank=True)
    passport_country = models.CharField(max_length=3, blank=True)
    a_number = models.CharField(max_length=16, blank=True)
    fbi_number = models.CharField(max_length=32, blank=True)
    event_date = models.DateField(null=True, blank=True)
    attrs = models.JSONField(default=dict, blank=True)
    match_probability = models.FloatField(null=True, blank=True)
    link_rule = models.CharField(max_length=100, blank=True)
    # The staging row's hash of its source fields. With the link fields, it shows a re-load
    # which records changed.
    row_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["event_date", "record_uid"]
        indexes = [
            models.Index(fields=["person"], name="record_person_idx"),
            models.Index(fields=["passport_no"], name="record_passport_idx"),
            models.Index(fields=["a_number"], name="record_a_number_idx"),
        ]

    def __str__(self) -> str:
        return self.record_uid


class StatusPeriod(models.Model):
    """One period of a person's status history, with the rule and evidence behind it."""

    # Indexed by the (person, seq) unique constraint, which starts with person.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="status_periods", db_index=False
    )
    seq = models.IntegerField()
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=64)
    rule_id = models.CharField(max_length=100)
    rule_citation = models.CharField(max_length=300, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["person", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["person", "seq"], name="status_period_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}#{self.seq} {self.status}"


class CaseState(models.TextChoices):
    LEAD = "lead", "Lead"
    VETTING = "vetting", "Vetting"
    ASSIGNED = "assigned", "Assigned"
    ACTIONED = "actioned", "Actioned"
    IN_PROCEEDINGS = "in_proceedings", "In proceedings"
    FINAL_ORDER = "final_order", "Final order"
    REMOVAL_PENDING = "removal_pending", "Removal pending"
    CLOSED = "closed", "Closed"


class ClosedReason(models.TextChoices):
    REMOVED = "removed", "Removed"
    SELF_DEPARTED = "self_departed", "Self-departed"
    STATUS_OBTAINED = "status_obtained", "Status obtained"
    NOT_REMOVABLE = "not_removable", "Not removable"
    IDENTITY_ERROR = "identity_error", "Identity error"
    DEPRIORITISED = "deprioritised", "Deprioritised"


class CaseEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    TRANSITION = "transition", "State changed"
    TIER = "tier", "Tier changed"
    CLAIM = "claim", "Claimed"
    RELEASE = "release", "Released"
    ASSIGN = "assign", "Assigned"
    NOTE = "note", "Note added"
    ATTACHMENT = "attachment", "Attachment added"
    PROPOSAL = "proposal", "Proposal"
    CITIZENSHIP = "citizenship", "Citizenship claim"
    ESCALATION = "escalation", "Escalated"
    PRIORITY_REVIEW = "priority_review", "Priority review"
    IDENTITY = "identity", "Identity changed"


class Case(models.Model):
    """An enforcement case on one person; a person has at most one open case."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=32, choices=CaseState.choices, default=CaseState.LEAD)
    tier = models.IntegerField(null=True, blank=True, db_index=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases")
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    closed_reason = models.CharField(max_length=32, choices=ClosedReason.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who works the case: an officer who claimed it or whom a supervisor assigned.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_assigned",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # When the case entered its state, and the working day its next step is due by.
    state_entered_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    # Set when an overdue case was escalated to its office's supervisors; cleared when the
    # state changes.
    escalated_at = models.DateTimeField(null=True, blank=True)
    # A supervisor flagged the case for a second look at its priority.
    priority_review = models.BooleanField(default=False)

    class Meta:
        ordering = ["tier", "opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(state="closed"),
                name="case_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(state="closed", closed_reason__gt="")
                | (~Q(state="closed") & Q(closed_reason="")),
                name="case_closed_reason_iff_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "tier"], name="case_state_tier_idx"),
            models.Index(fields=["office", "state"], name="case_office_state_idx"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state_idx"),
            models.Index(fields=["due_on"], name="case_due_idx"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.state})"


class CaseEvent(models.Model):
    """One change to a case; ``actor`` is empty when the pipeline made it.

    ``kind`` names what changed, and ``data`` contains the ids the change refers to (a note, a
    proposal, an override, the assignee), never values copied out of records.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField()
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32)
    reason = models.TextField()
    kind = models.CharField(
        max_length=32, choices=CaseEventKind.choices, default=CaseEventKind.TRANSITION
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state or '-'} -> {self.to_state}"


class ReviewItem(models.Model):
    """A pair or cluster that linkage sent to a human reviewer."""

    review_id = models.CharField(max_length=128, primary_key=True)
    kind = models.CharField(max_length=32)
    record_uids = models.JSONField(default=list)
    person_ids = models.JSONField(default=list)
    match_probability = models.FloatField(null=True, blank=True)
    reason = models.TextField()
    decision = models.CharField(max_length=32, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The prior and each comparison's level and log2 Bayes factor for the item's pair, as
    # staging's review_item_weights holds them; None when the pair was not scored.
    weights = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return self.review_id


class ReviewDecision(models.Model):
    """A reviewer's decision on a review item, or a supervisor's split on a person page.

    The operational store is authoritative for decisions: before each link run the decisions
    in force (not revoked, not skips) are exported to staging as linkage constraints. The
    first record uid is the decided record, and the decision relates it to each of the others:
    accept means the same person (must-link), reject means different persons (cannot-link).
    """

    class Kind(models.TextChoices):
        ACCEPT = "accept", "Same person"
        REJECT = "reject", "Different persons"
        SKIP = "skip", "Skipped"

    review_id = models.CharField(max_length=128, blank=True, db_index=True)
    record_uids = models.JSONField(default=list)
    decision = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField(blank=True)
    # The veto or conflict text the reviewer was shown, so a must-link overrides that veto
    # and no other.
    veto_seen = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="skip") | ~Q(reason=""),
                name="review_decision_reason_required",
            ),
        ]

    def __str__(self) -> str:
        return f"decision {self.pk} ({self.decision})"


class IdentityChange(models.Model):
    """A merge of two persons or a split of records into a new person, and its reversal.

    ``records_moved`` maps each moved record uid to [person before, person after], and
    ``persons_before`` holds the changed person rows' flags before the change, so a
    supervisor's reversal restores the prior persons and ids exactly.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", "Merge"
        SPLIT = "split", "Split"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    person_ids_before = models.JSONField(default=list)
    person_ids_after = models.JSONField(default=list)
    records_moved = models.JSONField(default=dict)
    persons_before = models.JSONField(default=dict)
    # Ids of the absorbed person's cases that a merge moved to the surviving person.
    cases_moved = models.JSONField(default=list, blank=True)
    created_person_id = models.CharField(max_length=64, blank=True)
    decision = models.ForeignKey(
        ReviewDecision, on_delete=models.PROTECT, related_name="identity_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    reason = models.TextField()
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reverse_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class PipelineRun(models.Model):
    """One pipeline run, with its stage timings in seconds and its counts."""

    run_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    as_of = models.DateField(null=True, blank=True)
    input_dir = models.CharField(max_length=500, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.run_id


class OfficeMembership(models.Model):
    """The office a user works in; officers and supervisors work one office's cases."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_membership"
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="members")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.office_id}"


class GuardOverride(models.Model):
    """A supervisor's override of the safeguards refusing an enforcement transition.

    Listed for review on the overrides page until another supervisor marks it reviewed.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="overrides")
    event = models.OneToOneField(CaseEvent, on_delete=models.PROTECT, related_name="override")
    transition = models.CharField(max_length=64)
    # The guard codes and the refusal texts the supervisor overrode.
    guards = models.JSONField(default=list)
    justification = models.TextField()
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-overridden_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(justification=""), name="guard_override_justification_required"
            ),
        ]

    def __str__(self) -> str:
        return f"override {self.pk} on case {self.case_id}"


class CitizenshipClaim(models.Model):
    """A claim that the person is a US citizen, recorded by any user.

    While a claim is open, or once it is upheld, no enforcement transition is allowed on any
    of the person's cases, and no override lifts that. Only a supervisor decides a claim,
    with the evidence examined.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld: the person is a citizen"
        NOT_SUBSTANTIATED = "not_substantiated", "Not substantiated"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="citizenship_claims")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="citizenship_claims"
    )
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.OPEN)
    # How the claim was made: by the person at an encounter, by counsel, in a filing...
    source = models.CharField(max_length=200)
    statement = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["person", "status"], name="citizenship_claim_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (~Q(evidence="") & Q(decided_at__isnull=False)),
                name="citizenship_claim_decision_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"citizenship claim {self.pk} ({self.status})"


class CaseProposal(models.Model):
    """A change to a case that the pipeline or the event stream proposes to an officer.

    A proposal that changes the case's direction (closing it, for example) is never applied
    by itself: an officer accepts or rejects it, and the decision is recorded.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an officer"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    to_state = models.CharField(max_length=32, blank=True)
    closed_reason = models.CharField(max_length=32, blank=True)
    tier = models.IntegerField(null=True, blank=True)
    reason = models.TextField()
    # The source record uids, rule id and status the proposal rests on.
    evidence = models.JSONField(default=dict, blank=True)
    # The pipeline run or stream event that raised it, so a repeat raises nothing new.
    origin = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(status="pending"),
                name="case_proposal_one_pending_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"proposal {self.pk} {self.kind} ({self.status})"


class CaseNote(models.Model):
    """A note on a case: append-only, with its author and time."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="case_note_not_empty")]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class CaseAttachment(models.Model):
    """A file attached to a case, stored under the data folder by its SHA-256."""

    class Scan(models.TextChoices):
        CLEAN = "clean", "Clean"
        NOT_SCANNED = "not_scanned", "Not scanned (no scanner configured)"
        INFECTED = "infected", "Refused: the scanner found malware"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True)
    scan = models.CharField(max_length=16, choices=Scan.choices)
    scan_detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.filename} on case {self.case_id}"


class Notification(models.Model):
    """A message to one user inside the application."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Case assigned to you"
        OVERDUE = "overdue", "Case overdue"
        PROPOSAL = "proposal", "Proposal waiting"
        WATCHED = "watched", "Watched case changed"
        CITIZENSHIP = "citizenship", "Citizenship claim to decide"
        OVERRIDE = "override", "Override to review"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class CaseWatch(models.Model):
    """A user who requested a notification whenever a case changes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="watchers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_watch_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.case_id}"


class SavedFilter(models.Model):
    """A user's named filter of the case list or the work queue, kept as its query string."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    page = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="saved_filter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.page})"

"""Support given, resources mobilised, targets: the models, one module per subject."""

from giamngheo.support.models.catalog import Programme, ProviderType, SupportKind, SupportKindNeed
from giamngheo.support.models.exports import ExportJob, ExportKind, ExportStatus
from giamngheo.support.models.help import (
    Assignment,
    AssignmentEnd,
    EscapeGoal,
    EscapeRegistration,
    HelperType,
)
from giamngheo.support.models.records import SupportRecord
from giamngheo.support.models.resources import Campaign, FlowDirection, FundSource, Pledge, ResourceEntry
from giamngheo.support.models.targets import Target

__all__ = [
    "Assignment", "AssignmentEnd", "Campaign", "EscapeGoal", "EscapeRegistration", "ExportJob", "ExportKind",
    "ExportStatus", "FlowDirection", "FundSource", "HelperType", "Pledge", "Programme", "ProviderType",
    "ResourceEntry", "SupportKind", "SupportKindNeed", "SupportRecord", "Target",
]

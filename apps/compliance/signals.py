"""Audit receivers: staff log-ins and every change of the Compliance group's members.

Group changes are caught wherever they are made (the admin, the shell,
create_officer) through m2m_changed on User.groups in both directions, and the
group's deletion or renaming. The acting user and IP come from the request being
answered (apps.audit.context), or the label a command set with acting_as.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.dispatch import receiver

from apps.audit.context import current_request
from apps.audit.services import record
from apps.core.staff import is_compliance_officer, is_staff_user, mark_staff_session
from apps.jurisdictions.geo import client_ip

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="compliance.audit_staff_login")
def audit_staff_login(sender, request, user, **kwargs) -> None:
    """Every log-in of a compliance officer is an audit event; staff sessions are short."""
    if request is not None and is_staff_user(user):
        mark_staff_session(request)
    if is_compliance_officer(user):
        record(
            actor=user,
            action="staff.login",
            obj=user,
            ip=client_ip(request) if request is not None else None,
        )


def _actor_and_ip():
    request = current_request()
    if request is None:
        return None, None
    user = getattr(request, "user", None)
    return (user if getattr(user, "is_authenticated", False) else None), client_ip(request)


def _record_membership(action: str, users, group_name: str) -> None:
    actor, ip = _actor_and_ip()
    for user in users:
        user.__dict__.pop("_is_compliance_officer", None)
        record(actor=actor, action=action, obj=user, after={"group": group_name}, ip=ip)


def _compliance_group_pk() -> int | None:
    return Group.objects.filter(name=settings.COMPLIANCE_GROUP).values_list("pk", flat=True).first()


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="compliance.audit_group_change")
def audit_group_change(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """officer.grant / officer.revoke for every user added to or taken from the group."""
    verb = {"post_add": "officer.grant", "post_remove": "officer.revoke"}.get(action)
    if action == "pre_clear":
        # What is about to go: clear() gives no pk_set afterwards.
        if reverse:  # group.user_set.clear()
            if instance.name == settings.COMPLIANCE_GROUP:
                instance._cleared_users = list(instance.user_set.all())
        else:  # user.groups.clear()
            instance._cleared_compliance = instance.groups.filter(
                name=settings.COMPLIANCE_GROUP
            ).exists()
        return
    if action == "post_clear":
        if reverse and getattr(instance, "_cleared_users", None):
            _record_membership("officer.revoke", instance._cleared_users, instance.name)
        elif not reverse and getattr(instance, "_cleared_compliance", False):
            _record_membership("officer.revoke", [instance], settings.COMPLIANCE_GROUP)
        return
    if verb is None or not pk_set:
        return
    if reverse:  # group.user_set.add(...): instance is the group, pk_set users
        if instance.name == settings.COMPLIANCE_GROUP:
            _record_membership(verb, User.objects.filter(pk__in=pk_set), instance.name)
    elif _compliance_group_pk() in pk_set:  # user.groups.add(...): pk_set groups
        _record_membership(verb, [instance], settings.COMPLIANCE_GROUP)


@receiver(pre_delete, sender=Group, dispatch_uid="compliance.audit_group_delete")
def audit_group_delete(sender, instance: Group, **kwargs) -> None:
    """Deleting the group takes every officer out of it, without m2m_changed."""
    if instance.name == settings.COMPLIANCE_GROUP:
        _record_membership("officer.revoke", list(instance.user_set.all()), instance.name)


@receiver(pre_save, sender=Group, dispatch_uid="compliance.audit_group_rename")
def audit_group_rename(sender, instance: Group, **kwargs) -> None:
    """Renaming the group to or from COMPLIANCE_GROUP grants or revokes all its members."""
    if instance.pk is None:
        return
    old = Group.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    if old == instance.name:
        return
    members = list(instance.user_set.all())
    if old == settings.COMPLIANCE_GROUP:
        _record_membership("officer.revoke", members, old)
    elif instance.name == settings.COMPLIANCE_GROUP:
        _record_membership("officer.grant", members, instance.name)

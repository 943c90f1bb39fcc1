"""The runbook's library (playbooks of 2.2 and 5, message templates of 3, the quick reference), loaded by
the data migration `library.0002_seed` and by the test fixtures after a flush."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

from incidents.languages import in_site_language

# The texts are marked with gettext_noop and translated when seeded, into the site's language
# (settings.LANGUAGE_CODE, from WARROOM_LANGUAGE); rows that exist are left as they are. Shell commands,
# `{{ variables }}` and template tags stay as written in every language: only the prose is translated.
# The one-word subjects carry a context (pgettext_lazy, made a string when seeded), as "Update" is a noun here.
PLAYBOOK_DEFAULTS: list[dict[str, Any]] = [
    {
        "title": gettext_noop("General investigation"),
        "keywords": gettext_noop("outage, down, error, unavailable, health"),
        "symptoms": gettext_noop("Service health check failing\nError rate or latency alarms"),
        "diagnosis": gettext_noop(
            "# 1. Check service health\ncurl -f https://example.com/api/v1/health\n\n"
            "# 2. Check CPU metrics\naws cloudwatch get-metric-statistics --namespace AWS/ECS "
            "--metric-name CPUUtilization --period 300 --statistics Average\n\n"
            "# 3. Check ECS service status\naws ecs describe-services --cluster production --services backend\n\n"
            "# 4. Check logs\naws logs tail /ecs/production --follow\n\n"
            "# 5. Check database connections\naws rds describe-db-clusters --db-cluster-identifier production"
        ),
        "resolution": gettext_noop(
            "Enable circuit breakers\nScale up resources\nEnable maintenance mode\nDeploy hotfix\n"
            "Run smoke tests\nMonitor metrics\nConfirm user impact resolved"
        ),
        "prevention": "",
    },
    {
        "title": gettext_noop("Database connection pool exhaustion"),
        "keywords": gettext_noop("database, connection, pool, too many connections, timeout, postgres, rds"),
        "symptoms": gettext_noop('API timeouts\n"too many connections" errors\nLatency spikes'),
        "diagnosis": gettext_noop(
            "# Check active connections\naws rds describe-db-clusters "
            "--query 'DBClusters[0].DBClusterMembers[*].DBInstanceIdentifier'\n\n"
            "# Check CloudWatch metrics\naws cloudwatch get-metric-statistics --namespace AWS/RDS "
            "--metric-name DatabaseConnections"
        ),
        "resolution": gettext_noop(
            "Scale ECS tasks down temporarily\nKill idle connections\nIncrease max_connections\n"
            "Implement connection pooling"
        ),
        "prevention": "",
    },
    {
        "title": gettext_noop("High memory usage"),
        "keywords": gettext_noop("memory, oom, restart, leak"),
        "symptoms": gettext_noop("OOM kills\nContainer restarts\nPerformance degradation"),
        "diagnosis": gettext_noop(
            "# Check container metrics\naws cloudwatch get-metric-statistics --namespace AWS/ECS "
            "--metric-name MemoryUtilization"
        ),
        "resolution": gettext_noop(
            "Identify memory leak (heap dump)\nRestart affected tasks\nIncrease memory limits\nDeploy fix"
        ),
        "prevention": "",
    },
    {
        "title": gettext_noop("Redis connection issues"),
        "keywords": gettext_noop("redis, cache, elasticache, cache miss"),
        "symptoms": gettext_noop("Cache misses increasing\nAPI latency spikes\nConnection errors"),
        "diagnosis": "redis-cli -h $REDIS_HOST ping\nredis-cli -h $REDIS_HOST info clients",  # commands only
        "resolution": gettext_noop(
            "Check ElastiCache status\nVerify security group rules\nRestart Redis if needed\nImplement circuit breaker"
        ),
        "prevention": "",
    },
    {
        "title": gettext_noop("SSL certificate expiry"),
        "keywords": gettext_noop("ssl, tls, certificate, https, cert"),
        "symptoms": gettext_noop("HTTPS errors\nCertificate warnings"),
        "diagnosis": "echo | openssl s_client -connect example.com:443 -servername example.com 2>/dev/null "
        "| openssl x509 -noout -dates",  # commands only
        "resolution": gettext_noop("Renew certificate\nUpdate ALB/CloudFront\nVerify SSL Labs rating"),
        "prevention": gettext_noop("Set alert 30 days before expiry\nUse ACM with auto-renewal"),
    },
]

COMMUNICATION_DEFAULTS: list[dict[str, Any]] = [
    {
        "name": gettext_noop("Internal notification"),
        "kind": "internal",
        "subject": gettext_noop("[INCIDENT] {{ incident.severity.level }} - {{ incident.title }}"),
        "body": gettext_noop(
            """Incident ID: {{ incident.reference }}
Severity: {{ incident.severity.level }} - {{ incident.severity.name }}
Started: {{ incident.started_at|date:"Y-m-d H:i" }} UTC
Status: {{ incident.get_status_display }}
Impact: {{ impact }}

Description:
{{ incident.summary|default:incident.title }}

Actions Taken:
{% for item in checklist %}- [{% if item.done %}x{% else %} {% endif %}] {{ item.label }}
{% endfor %}
Next Update: +{{ next_update_minutes }} minutes
Incident Commander: {{ commander_name }}
Slack: {{ incident.chat_channel }}
"""
        ),
    },
    {
        "name": gettext_noop("Customer notification"),
        "kind": "customer",
        "subject": gettext_noop("Service Disruption - {{ incident.title }}"),
        "body": gettext_noop(
            """We are currently investigating an issue affecting {{ components|default:"our service" }}.

Impact: {{ impact }}
Started: {{ incident.started_at|date:"H:i" }} UTC
Status: {{ incident.get_status_display }}

We will provide updates every {{ next_update_minutes }} minutes.

Track status: {{ status_page_url }}

We apologize for any inconvenience.
"""
        ),
    },
    {
        "name": gettext_noop("Status page: investigating"),
        "kind": "status_page",
        "subject": pgettext_lazy("status page update subject", "Investigating"),
        "body": gettext_noop("We are investigating reports of {{ impact|lower }}."),
    },
    {
        "name": gettext_noop("Status page: identified"),
        "kind": "status_page",
        "subject": pgettext_lazy("status page update subject", "Update"),
        "body": gettext_noop("We have identified the root cause and are implementing a fix."),
    },
    {
        "name": gettext_noop("Status page: resolved"),
        "kind": "status_page",
        "subject": pgettext_lazy("status page update subject", "Resolved"),
        "body": gettext_noop("Service has been fully restored. We will provide a post-mortem within 24 hours."),
    },
]

QUICK_REFERENCE_DEFAULTS = [
    (gettext_noop("Status Page"), "/status/"),
    ("PagerDuty", "https://example.pagerduty.com"),
    ("CloudWatch", "AWS Console > CloudWatch"),
    (gettext_noop("ECS Console"), "AWS Console > ECS"),
    (gettext_noop("RDS Console"), "AWS Console > RDS"),
    (gettext_noop("Logs"), "aws logs tail /ecs/production --follow"),
    (gettext_noop("Emergency Hotline"), "+1-555-0100"),
]


# The fields whose default text is translated (the others are codes, commands or addresses).
TRANSLATED_FIELDS = {
    "title",
    "keywords",
    "symptoms",
    "diagnosis",
    "resolution",
    "prevention",
    "name",
    "subject",
    "body",
}


def translated(row: dict[str, Any]) -> dict[str, Any]:
    """A default row in the active language (an empty text stays empty: gettext("") is the header)."""
    return {key: _translated(value) if key in TRANSLATED_FIELDS else value for key, value in row.items()}


def _translated(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    return gettext(value) if value else value


def seed(apps: Any) -> None:
    """Load the runbook's playbooks, message templates and quick reference where missing, in the site's
    language."""
    playbook_model = apps.get_model("library", "Playbook")
    template_model = apps.get_model("library", "CommunicationTemplate")
    link_model = apps.get_model("library", "QuickReferenceLink")
    with in_site_language():
        for row in map(translated, PLAYBOOK_DEFAULTS):
            playbook_model.objects.get_or_create(title=row["title"], defaults=row)
        for row in map(translated, COMMUNICATION_DEFAULTS):
            template_model.objects.get_or_create(name=row["name"], defaults=row)
        if not link_model.objects.exists():
            link_model.objects.bulk_create(
                link_model(label=gettext(label), target=target, position=position)
                for position, (label, target) in enumerate(QUICK_REFERENCE_DEFAULTS, start=1)
            )

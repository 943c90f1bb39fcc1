"""The runbook's library (playbooks of 2.2 and 5, message templates of 3, the quick reference), loaded by
the data migration `library.0002_seed` and by the test fixtures after a flush."""

from __future__ import annotations

from typing import Any

PLAYBOOK_DEFAULTS = [
    {
        "title": "General investigation",
        "keywords": "outage, down, error, unavailable, health",
        "symptoms": "Service health check failing\nError rate or latency alarms",
        "diagnosis": "# 1. Check service health\ncurl -f https://example.com/api/v1/health\n\n"
        "# 2. Check CPU metrics\naws cloudwatch get-metric-statistics --namespace AWS/ECS "
        "--metric-name CPUUtilization --period 300 --statistics Average\n\n"
        "# 3. Check ECS service status\naws ecs describe-services --cluster production --services backend\n\n"
        "# 4. Check logs\naws logs tail /ecs/production --follow\n\n"
        "# 5. Check database connections\naws rds describe-db-clusters --db-cluster-identifier production",
        "resolution": "Enable circuit breakers\nScale up resources\nEnable maintenance mode\nDeploy hotfix\n"
        "Run smoke tests\nMonitor metrics\nConfirm user impact resolved",
        "prevention": "",
    },
    {
        "title": "Database connection pool exhaustion",
        "keywords": "database, connection, pool, too many connections, timeout, postgres, rds",
        "symptoms": 'API timeouts\n"too many connections" errors\nLatency spikes',
        "diagnosis": "# Check active connections\naws rds describe-db-clusters "
        "--query 'DBClusters[0].DBClusterMembers[*].DBInstanceIdentifier'\n\n"
        "# Check CloudWatch metrics\naws cloudwatch get-metric-statistics --namespace AWS/RDS "
        "--metric-name DatabaseConnections",
        "resolution": "Scale ECS tasks down temporarily\nKill idle connections\nIncrease max_connections\n"
        "Implement connection pooling",
        "prevention": "",
    },
    {
        "title": "High memory usage",
        "keywords": "memory, oom, restart, leak",
        "symptoms": "OOM kills\nContainer restarts\nPerformance degradation",
        "diagnosis": "# Check container metrics\naws cloudwatch get-metric-statistics --namespace AWS/ECS "
        "--metric-name MemoryUtilization",
        "resolution": "Identify memory leak (heap dump)\nRestart affected tasks\nIncrease memory limits\nDeploy fix",
        "prevention": "",
    },
    {
        "title": "Redis connection issues",
        "keywords": "redis, cache, elasticache, cache miss",
        "symptoms": "Cache misses increasing\nAPI latency spikes\nConnection errors",
        "diagnosis": "redis-cli -h $REDIS_HOST ping\nredis-cli -h $REDIS_HOST info clients",
        "resolution": "Check ElastiCache status\nVerify security group rules\nRestart Redis if needed\n"
        "Implement circuit breaker",
        "prevention": "",
    },
    {
        "title": "SSL certificate expiry",
        "keywords": "ssl, tls, certificate, https, cert",
        "symptoms": "HTTPS errors\nCertificate warnings",
        "diagnosis": "echo | openssl s_client -connect example.com:443 -servername example.com 2>/dev/null "
        "| openssl x509 -noout -dates",
        "resolution": "Renew certificate\nUpdate ALB/CloudFront\nVerify SSL Labs rating",
        "prevention": "Set alert 30 days before expiry\nUse ACM with auto-renewal",
    },
]

COMMUNICATION_DEFAULTS = [
    {
        "name": "Internal notification",
        "kind": "internal",
        "subject": "[INCIDENT] {{ incident.severity.level }} - {{ incident.title }}",
        "body": """Incident ID: {{ incident.reference }}
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
""",
    },
    {
        "name": "Customer notification",
        "kind": "customer",
        "subject": "Service Disruption - {{ incident.title }}",
        "body": """We are currently investigating an issue affecting {{ components|default:"our service" }}.

Impact: {{ impact }}
Started: {{ incident.started_at|date:"H:i" }} UTC
Status: {{ incident.get_status_display }}

We will provide updates every {{ next_update_minutes }} minutes.

Track status: {{ status_page_url }}

We apologize for any inconvenience.
""",
    },
    {
        "name": "Status page: investigating",
        "kind": "status_page",
        "subject": "Investigating",
        "body": "We are investigating reports of {{ impact|lower }}.",
    },
    {
        "name": "Status page: identified",
        "kind": "status_page",
        "subject": "Update",
        "body": "We have identified the root cause and are implementing a fix.",
    },
    {
        "name": "Status page: resolved",
        "kind": "status_page",
        "subject": "Resolved",
        "body": "Service has been fully restored. We will provide a post-mortem within 24 hours.",
    },
]

QUICK_REFERENCE_DEFAULTS = [
    ("Status Page", "/status/"),
    ("PagerDuty", "https://example.pagerduty.com"),
    ("CloudWatch", "AWS Console > CloudWatch"),
    ("ECS Console", "AWS Console > ECS"),
    ("RDS Console", "AWS Console > RDS"),
    ("Logs", "aws logs tail /ecs/production --follow"),
    ("Emergency Hotline", "+1-555-0100"),
]


def seed(apps: Any) -> None:
    """Load the runbook's playbooks, message templates and quick reference where missing."""
    playbook_model = apps.get_model("library", "Playbook")
    template_model = apps.get_model("library", "CommunicationTemplate")
    link_model = apps.get_model("library", "QuickReferenceLink")
    for row in PLAYBOOK_DEFAULTS:
        playbook_model.objects.get_or_create(title=row["title"], defaults=row)
    for row in COMMUNICATION_DEFAULTS:
        template_model.objects.get_or_create(name=row["name"], defaults=row)
    if not link_model.objects.exists():
        link_model.objects.bulk_create(
            link_model(label=label, target=target, position=position)
            for position, (label, target) in enumerate(QUICK_REFERENCE_DEFAULTS, start=1)
        )

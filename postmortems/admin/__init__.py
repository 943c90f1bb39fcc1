"""Post-incident review in the admin. Every write goes through postmortems.services / meetings.

Importing the modules registers their ModelAdmins.
"""

from postmortems.admin.action_item import ActionItemAdmin
from postmortems.admin.postmortem import PostMortemAdmin
from postmortems.admin.review_meeting import ReviewMeetingAdmin

__all__ = ["ActionItemAdmin", "PostMortemAdmin", "ReviewMeetingAdmin"]

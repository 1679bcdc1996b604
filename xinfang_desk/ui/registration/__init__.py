"""登记: the registration page (``page``), its form (``form``), the earlier-cases panel and the drafts."""

from xinfang_desk.ui.registration.drafts import DRAFT_NAME
from xinfang_desk.ui.registration.page import RegistrationPage

__all__ = ["DRAFT_NAME", "RegistrationPage"]

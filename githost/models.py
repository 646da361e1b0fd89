from django.conf import settings
from django.db import models


class GitRepository(models.Model):
    """A bare repository on the built-in git host, at PAVED_GIT_ROOT/<owner>/<name>.git.

    `owner` is the first segment of its URL (a namespace such as "acme"); who may push is
    `owner_ref`, the catalog Group or User it belongs to (see githost.access).
    """

    owner = models.CharField(max_length=100)
    name = models.CharField(max_length=100)
    owner_ref = models.CharField(
        max_length=320, blank=True, db_index=True,
        help_text="Lower-case catalog ref of the owner (group:default/team-a) whose members push; "
                  "empty: platform admins only.",
    )
    description = models.CharField(max_length=500, blank=True)
    default_branch = models.CharField(max_length=200, default="main")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="%(app_label)s_%(class)s_unique_owner_name"),
        ]
        verbose_name_plural = "git repositories"

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

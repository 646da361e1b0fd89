from django.contrib import admin

from githost.models import GitRepository


@admin.register(GitRepository)
class GitRepositoryAdmin(admin.ModelAdmin):
    # owner_ref stays editable: it is how an admin hands a repository to another team.
    list_display = ("owner", "name", "owner_ref", "default_branch", "created_by", "created_at")
    search_fields = ("owner", "name", "description", "owner_ref")
    readonly_fields = ("owner", "name", "created_by", "created_at")

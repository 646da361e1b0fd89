from django.contrib import admin

from githost.models import GitRepository


@admin.register(GitRepository)
class GitRepositoryAdmin(admin.ModelAdmin):
    list_display = ("owner", "name", "default_branch", "created_by", "created_at")
    search_fields = ("owner", "name", "description")
    readonly_fields = ("owner", "name", "created_by", "created_at")

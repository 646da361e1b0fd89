from django.urls import path, re_path

from githost import http, views

app_name = "githost"

SEG = r"[^/]+"

urlpatterns = [
    path("", views.repo_list, name="repo_list"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})\.git/(?P<rest>.*)$", http.smart_http, name="smart_http"),
    # A clone URL opened in a browser (git itself always asks below it): the repository page.
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})\.git$", views.clone_url_page, name="clone_url_page"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})/?$", views.repo_detail, name="repo_detail"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})/tree/(?P<ref>{SEG})/?$", views.tree, name="tree_root"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})/tree/(?P<ref>{SEG})/(?P<path>.+)$", views.tree, name="tree"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})/blob/(?P<ref>{SEG})/(?P<path>.+)$", views.blob, name="blob"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})/raw/(?P<ref>{SEG})/(?P<path>.+)$", views.raw, name="raw"),
    re_path(rf"^(?P<owner>{SEG})/(?P<name>{SEG})/commits/(?P<ref>{SEG})/?$", views.commit_list, name="commit_list"),
]

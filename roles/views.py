from __future__ import annotations

from itertools import groupby

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from roles.cache import cache_public_page
from roles.diagrams import ladder_diagram
from roles.forms import RoleSearchForm
from roles.selectors import (
    categories_in_use,
    featured_role,
    ladder_for,
    minutes_to_answer,
    next_steps,
    public_tracks,
    questionnaire_size,
    track_position,
    track_roles,
)
from roles.selectors import role_detail as select_role_detail
from roles.selectors import role_list as select_role_list

# A catalogue of a hundred roles (imported occupations) reads as pages of this many.
ROLES_PER_PAGE = 30


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    featured = featured_role()
    context = {"tracks": public_tracks(), "featured": featured}
    if featured is not None:
        ladder = ladder_for(featured) if featured.track.is_ladder else [featured]
        context["featured_minutes"] = minutes_to_answer(questionnaire_size(ladder))
    return render(request, "home.html", context)


@require_safe
@cache_public_page
def role_list(request: HttpRequest) -> HttpResponse:
    form = RoleSearchForm(request.GET or None, categories=categories_in_use())
    query, category = form.cleaned_filters()
    # The matching roles are read in one query and paged in memory: no separate count
    # query, and a catalogue of hundreds of roles is a small list.
    matching = list(select_role_list(query=query, category=category))
    page = Paginator(matching, ROLES_PER_PAGE).get_page(request.GET.get("page"))
    groups = [
        (track, list(items)) for track, items in groupby(page.object_list, key=lambda r: r.track)
    ]
    # The other pages' links keep the search and filter.
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {
        "form": form,
        "groups": groups,
        "count": page.paginator.count,
        "query": query,
        "page": page,
        "page_query": kept.urlencode(),
    }
    if request.htmx and request.htmx.target == "role-results":
        return render(request, "roles/_role_results.html", context)
    return render(request, "roles/role_list.html", context)


@require_safe
@cache_public_page
def role_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Staff may preview a draft; to anyone else it does not exist.
    role = select_role_detail(slug, include_unpublished=request.user.is_staff)
    if role is None:
        raise Http404("No such role")
    requirements = sorted(
        role.skill_requirements.all(),
        key=lambda r: (r.skill.category.order, -r.weight, r.skill.name),
    )
    skill_groups = [
        (category, list(items))
        for category, items in groupby(requirements, key=lambda r: r.skill.category)
    ]
    ladder = ladder_for(role) if role.track.is_ladder else [role]
    context = {
        "role": role,
        "preview": not role.is_published,
        "skill_groups": skill_groups,
        "experience": sorted(role.experience_requirements.all(), key=lambda e: -e.weight),
        "education": getattr(role, "education_requirement", None),
        "ladder": ladder,
        "rung_below": ladder[-2] if len(ladder) > 1 else None,
        "next_roles": next_steps(role),
        "minutes": minutes_to_answer(questionnaire_size(ladder)),
    }
    return render(request, "roles/role_detail.html", context)


@require_safe
@cache_public_page
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(public_tracks(), slug=slug)
    roles = track_roles(track)
    directions = list(track.directions.all())
    context = {
        "track": track,
        "roles": roles,
        "diagram": ladder_diagram(roles) if track.is_ladder and roles else None,
        "current_rung": track_position(request.user, track),
        "specialisations": [d for d in directions if d.kind == "specialisation"],
        "alternatives": [d for d in directions if d.kind == "alternative"],
    }
    return render(request, "roles/track_detail.html", context)

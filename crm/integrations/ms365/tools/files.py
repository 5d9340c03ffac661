"""SharePoint's and OneDrive's tools: sites, libraries, documents as text, uploads, sharing."""

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from crm.integrations.ms365.graph import drive_path
from crm.integrations.ms365.tools.answers import (
    DriveId,
    SiteId,
    document_answer,
    file_summary,
    graph_for,
    upload_answer,
)
from crm.integrations.toolkit import (
    DEFAULT_CHARS,
    Base64Content,
    FileName,
    FolderPath,
    ItemId,
    Offset,
    PageChars,
    TextContent,
    Top,
    as_json,
    listing,
    speaks_errors,
)
from crm.kit.schemas import Email

# SharePoint


@speaks_errors
async def sharepoint_list_sites(
    ctx: Context,
    query: Annotated[
        str | None, Field(default=None, max_length=200, description="Words in the site's name.")
    ] = None,
    top: Top = 25,
) -> str:
    """Find SharePoint sites the user can see (all of them when no words are given)."""
    graph = await graph_for(ctx)
    page = await graph.sites(query=query, limit=top)
    sites = [
        {
            "id": s.get("id"),
            "name": s.get("displayName") or s.get("name"),
            "web_url": s.get("webUrl"),
        }
        for s in page.items
    ]
    return listing(page, sites)


@speaks_errors
async def sharepoint_list_documents(
    ctx: Context,
    site_id: SiteId,
    drive_id: DriveId = None,
    folder_path: FolderPath = None,
    top: Top = 50,
) -> str:
    """List the files and folders in a SharePoint site's document library (its root, or a
    folder by path)."""
    graph = await graph_for(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    page = await graph.children(drive, path=folder_path, limit=top)
    return listing(page, [file_summary(i) for i in page.items])


@speaks_errors
async def sharepoint_get_document(
    ctx: Context, site_id: SiteId, item_id: ItemId, drive_id: DriveId = None
) -> str:
    """A SharePoint file's details: name, size, last change, link. Its text comes from
    sharepoint_get_document_content."""
    graph = await graph_for(ctx)
    return as_json(
        file_summary(
            await graph.item(drive_path(site_id=site_id, drive_id=drive_id), item_id=item_id)
        )
    )


@speaks_errors
async def sharepoint_search_documents(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=200, description="Words to find.")],
    site_id: Annotated[
        str | None,
        Field(
            default=None,
            max_length=300,
            description="Search this site only; every site when left out.",
        ),
    ] = None,
    top: Top = 25,
) -> str:
    """Find documents by name or content, in one site or across SharePoint and OneDrive."""
    graph = await graph_for(ctx)
    if site_id:
        page = await graph.search_drive(drive_path(site_id=site_id), query=query, limit=top)
    else:
        page = await graph.search_files(query=query, limit=top)
    return listing(page, [file_summary(i) for i in page.items])


@speaks_errors
async def sharepoint_upload_document(
    ctx: Context,
    site_id: SiteId,
    file_name: FileName,
    folder_path: FolderPath = None,
    content_text: TextContent = None,
    content_base64: Base64Content = None,
    drive_id: DriveId = None,
) -> str:
    """Upload a file to a SharePoint document library (renamed when the name is taken), up to
    UPLOAD_LIMIT. Confirm with the user first: others in the site will see it."""
    graph = await graph_for(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    return await upload_answer(graph, drive, folder_path, file_name, content_text, content_base64)


@speaks_errors
async def sharepoint_create_folder(
    ctx: Context,
    site_id: SiteId,
    name: FileName,
    parent_path: FolderPath = None,
    drive_id: DriveId = None,
) -> str:
    """Create a folder in a SharePoint document library (renamed when the name is taken)."""
    graph = await graph_for(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    return as_json(
        {
            "created": file_summary(
                await graph.create_folder(drive, parent_path=parent_path, name=name)
            )
        }
    )


@speaks_errors
async def sharepoint_share_document(
    ctx: Context,
    site_id: SiteId,
    item_id: ItemId,
    recipients: Annotated[
        list[Email],
        Field(
            default_factory=list,
            max_length=50,
            description="People to invite (they get an e-mail); when empty, a link is made "
            "instead.",
        ),
    ],
    access: Annotated[Literal["view", "edit"], Field(description="What they may do.")] = "view",
    link_scope: Annotated[
        Literal["organization", "anonymous"],
        Field(description="Who the link works for, when no recipients are given."),
    ] = "organization",
    message: Annotated[str | None, Field(default=None, max_length=2000)] = None,
    drive_id: DriveId = None,
) -> str:
    """Share a SharePoint or OneDrive file: invite people by e-mail, or make a sharing link.
    Confirm with the user first: it gives others access."""
    graph = await graph_for(ctx)
    drive = drive_path(site_id=site_id, drive_id=drive_id)
    if recipients:
        role = "write" if access == "edit" else "read"
        granted = await graph.invite(drive, item_id, emails=recipients, role=role, message=message)
        return as_json({"shared_with": recipients, "access": access, "grants": len(granted)})
    link = await graph.create_link(drive, item_id, kind=access, scope=link_scope)
    return as_json({"link": link, "access": access, "scope": link_scope})


@speaks_errors
async def sharepoint_get_document_content(
    ctx: Context,
    site_id: SiteId,
    item_id: ItemId,
    drive_id: DriveId = None,
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """The text of a SharePoint document (Word, Excel, PowerPoint, PDF, text), in pages: call
    again with next_offset for more."""
    graph = await graph_for(ctx)
    return await document_answer(
        graph, drive_path(site_id=site_id, drive_id=drive_id), item_id, offset, max_chars
    )


# OneDrive


@speaks_errors
async def onedrive_list_files(ctx: Context, folder_path: FolderPath = None, top: Top = 50) -> str:
    """List the files and folders in the user's OneDrive (its root, or a folder by path)."""
    graph = await graph_for(ctx)
    page = await graph.children(drive_path(), path=folder_path, limit=top)
    return listing(page, [file_summary(i) for i in page.items])


@speaks_errors
async def onedrive_get_document_content(
    ctx: Context,
    item_id: ItemId,
    drive_id: DriveId = None,
    offset: Offset = 0,
    max_chars: PageChars = DEFAULT_CHARS,
) -> str:
    """The text of a OneDrive document (Word, Excel, PowerPoint, PDF, text), in pages; give
    drive_id for a file shared from another drive (a Teams channel's, for one)."""
    graph = await graph_for(ctx)
    return await document_answer(graph, drive_path(drive_id=drive_id), item_id, offset, max_chars)


@speaks_errors
async def onedrive_upload_document(
    ctx: Context,
    file_name: FileName,
    folder_path: FolderPath = None,
    content_text: TextContent = None,
    content_base64: Base64Content = None,
) -> str:
    """Upload a file to the user's OneDrive (renamed when the name is taken), up to
    UPLOAD_LIMIT. Confirm with the user first."""
    graph = await graph_for(ctx)
    return await upload_answer(
        graph, drive_path(), folder_path, file_name, content_text, content_base64
    )

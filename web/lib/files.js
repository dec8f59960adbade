// Attachments: downloads need the bearer token, which an <img src> cannot send, so files are
// fetched with it and shown through object URLs, cached per attachment id for the session.

const urls = new Map(); // attachment id -> Promise<object URL>

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export function isImage(attachment) {
  return IMAGE_TYPES.includes(String(attachment.content_type).split(';')[0].trim());
}

export function objectUrl(api, attachmentId) {
  if (!urls.has(attachmentId)) {
    const pending = api.attachment(attachmentId).then((blob) => URL.createObjectURL(blob));
    pending.catch(() => urls.delete(attachmentId));
    urls.set(attachmentId, pending);
  }
  return urls.get(attachmentId);
}

/** Saves an attachment under its own name. */
export async function download(api, attachment) {
  const url = await objectUrl(api, attachment.id);
  const link = document.createElement('a');
  link.href = url;
  link.download = attachment.file_name || 'file';
  document.body.append(link);
  link.click();
  link.remove();
}

export function forgetFiles() {
  for (const pending of urls.values()) pending.then((url) => URL.revokeObjectURL(url), () => {});
  urls.clear();
}

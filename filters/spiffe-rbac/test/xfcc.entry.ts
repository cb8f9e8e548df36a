// Test entry for xfcc.ts.
import { parseXfcc, xfccUri, XfccResult } from "../xfcc";

/** "uri <value>", "no uri", "many uris" or "malformed". */
export function chooseUri(header: string, useLast: bool): string {
  const result = parseXfcc(header, useLast);
  if (result == XfccResult.Uri) return "uri " + xfccUri;
  if (result == XfccResult.NoUri) return "no uri";
  if (result == XfccResult.ManyUris) return "many uris";
  return "malformed";
}

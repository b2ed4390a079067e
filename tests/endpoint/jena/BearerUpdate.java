import org.apache.jena.sparql.exec.http.UpdateExecHTTP;
import org.apache.jena.sparql.exec.http.UpdateExecHTTPBuilder;
import org.apache.jena.sparql.exec.http.UpdateSendMode;

/**
 * Sends one SPARQL update with Jena's HTTP update execution and a bearer token, which
 * Jena's `rupdate` command has no option for.
 *
 * Arguments: ENDPOINT TOKEN MODE UPDATE [USING-GRAPH-URI ...], where MODE is `body`
 * (Content-Type application/sparql-update) or `form` (an HTML form POST).
 */
public final class BearerUpdate {
    public static void main(String[] args) {
        UpdateSendMode mode = switch (args[2]) {
            case "body" -> UpdateSendMode.asPost;
            case "form" -> UpdateSendMode.asPostForm;
            default -> throw new IllegalArgumentException("MODE is body or form, not " + args[2]);
        };
        UpdateExecHTTPBuilder builder = UpdateExecHTTP.service(args[0])
                .updateString(args[3])
                .httpHeader("Authorization", "Bearer " + args[1])
                .sendMode(mode);
        for (int i = 4; i < args.length; i++) {
            builder.addUsingGraphURI(args[i]);
        }
        builder.build().execute();
    }
}

# Kafka Connect 4.3.1 + Debezium PostgreSQL 3.6.1.Final, from the same pom the local stack resolves
# (infra/local/maven/connect/pom.xml), so Docker and Docker-free runs share one classpath, plus
# Fixlify's OversizedToMarker transform built (and tested) from infra/local/maven/connect-smt.
# Build context: the repository root (see docker-compose.yml).
FROM maven:3.9-eclipse-temurin-17 AS jars
WORKDIR /build
COPY infra/local/maven/connect/pom.xml pom.xml
RUN mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/opt/connect/lib
COPY infra/local/maven/connect-smt /build/connect-smt
RUN mvn -q -B -f /build/connect-smt/pom.xml package -Dsmt.build.dir=/build/connect-smt-target \
  && cp /build/connect-smt-target/fixlify-connect-smt-*.jar /opt/connect/lib/

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=jars /opt/connect/lib /opt/connect/lib
COPY infra/compose/connect-worker.properties /opt/connect/worker.properties
EXPOSE 8083
# Same JVM flags as infra/local/src/settings.ts (jvmFlags).
ENTRYPOINT ["java", "-Xms256m", "-Xmx768m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true", \
  "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", \
  "-cp", "/opt/connect/lib/*", "org.apache.kafka.connect.cli.ConnectDistributed", "/opt/connect/worker.properties"]
